package comfyfake

import (
	"encoding/json"
	"slices"
)

// The node classes the fake knows: the core nodes of a text-to-image graph, the ones
// SillyTavern's bundled workflows use besides (VAELoader for %vae%, CLIPSetLastLayer for
// %clip_skip%, ImageScale and VAEEncode for image-to-image), and the Load Image (Base64) node of
// comfyui-tooling-nodes that %char_avatar% and %user_avatar% feed. Any other class is a
// missing_node_type, as a custom node that is not installed is on a real server.

// input is one required input of a node class, as /object_info describes it.
type input struct {
	name string
	// kind is INT, FLOAT, STRING, COMBO or the type of a link (MODEL, CLIP, LATENT…).
	kind string
	// lo, hi and def are the bounds and default of INT and FLOAT inputs, as JSON numbers (a
	// seed's upper bound does not fit an int64).
	lo, hi, def json.Number
	options     []string // COMBO
}

// nodeClass is what the fake knows of a class: its inputs, its outputs, and whether it is an
// output node (one that ComfyUI executes a prompt for).
type nodeClass struct {
	inputs     []input
	outputs    []string
	outputNode bool
	category   string
}

func link(name, kind string) input { return input{name: name, kind: kind} }

func intIn(name, lo, hi, def string) input {
	return input{name: name, kind: "INT", lo: json.Number(lo), hi: json.Number(hi), def: json.Number(def)}
}

func floatIn(name, lo, hi, def string) input {
	return input{name: name, kind: "FLOAT", lo: json.Number(lo), hi: json.Number(hi), def: json.Number(def)}
}

func combo(name string, options []string) input {
	return input{name: name, kind: "COMBO", options: slices.Clone(options)}
}

func text(name string) input { return input{name: name, kind: "STRING"} }

// classes returns the node classes with the model, sampler and scheduler lists of c.
func (c config) classes() map[string]nodeClass {
	const maxRes = "16384" // ComfyUI's MAX_RESOLUTION
	return map[string]nodeClass{
		"CheckpointLoaderSimple": {inputs: []input{combo("ckpt_name", c.checkpoints)},
			outputs: []string{"MODEL", "CLIP", "VAE"}, category: "loaders"},
		"VAELoader": {inputs: []input{combo("vae_name", c.vaes)}, outputs: []string{"VAE"}, category: "loaders"},
		"CLIPSetLastLayer": {inputs: []input{link("clip", "CLIP"), intIn("stop_at_clip_layer", "-24", "-1", "-1")},
			outputs: []string{"CLIP"}, category: "conditioning"},
		"CLIPTextEncode": {inputs: []input{text("text"), link("clip", "CLIP")},
			outputs: []string{"CONDITIONING"}, category: "conditioning"},
		"EmptyLatentImage": {inputs: []input{intIn("width", "16", maxRes, "512"), intIn("height", "16", maxRes, "512"),
			intIn("batch_size", "1", "4096", "1")}, outputs: []string{"LATENT"}, category: "latent"},
		"KSampler": {inputs: []input{link("model", "MODEL"), intIn("seed", "0", "18446744073709551615", "0"),
			intIn("steps", "1", "10000", "20"), floatIn("cfg", "0.0", "100.0", "8.0"),
			combo("sampler_name", c.samplers), combo("scheduler", c.schedulers),
			link("positive", "CONDITIONING"), link("negative", "CONDITIONING"), link("latent_image", "LATENT"),
			floatIn("denoise", "0.0", "1.0", "1.0")}, outputs: []string{"LATENT"}, category: "sampling"},
		"VAEDecode": {inputs: []input{link("samples", "LATENT"), link("vae", "VAE")},
			outputs: []string{"IMAGE"}, category: "latent"},
		"VAEEncode": {inputs: []input{link("pixels", "IMAGE"), link("vae", "VAE")},
			outputs: []string{"LATENT"}, category: "latent"},
		"ImageScale": {inputs: []input{link("image", "IMAGE"),
			combo("upscale_method", []string{"nearest-exact", "bilinear", "area", "bicubic", "lanczos"}),
			intIn("width", "0", maxRes, "512"), intIn("height", "0", maxRes, "512"),
			combo("crop", []string{"disabled", "center"})}, outputs: []string{"IMAGE"}, category: "image/upscaling"},
		"ETN_LoadImageBase64": {inputs: []input{text("image")}, outputs: []string{"IMAGE", "MASK"},
			category: "external_tooling"},
		"SaveImage": {inputs: []input{link("images", "IMAGE"), text("filename_prefix")}, outputNode: true,
			category: "image"},
		"PreviewImage": {inputs: []input{link("images", "IMAGE")}, outputNode: true, category: "image"},
	}
}

// objectInfo is GET /object_info/{class}'s description of a class, in the shape ComfyUI's
// node_info builds for its classic nodes: a COMBO is [[options…], {}], a link ["TYPE"].
func objectInfo(name string, nc nodeClass) map[string]any {
	required := map[string]any{}
	order := make([]string, 0, len(nc.inputs))
	for _, in := range nc.inputs {
		order = append(order, in.name)
		switch in.kind {
		case "INT", "FLOAT":
			required[in.name] = []any{in.kind, map[string]any{"default": in.def, "min": in.lo, "max": in.hi}}
		case "STRING":
			required[in.name] = []any{in.kind, map[string]any{"multiline": in.name == "text"}}
		case "COMBO":
			required[in.name] = []any{in.options, map[string]any{}}
		default:
			required[in.name] = []any{in.kind}
		}
	}
	outputs := nc.outputs
	if outputs == nil {
		outputs = []string{}
	}
	return map[string]any{
		"input":          map[string]any{"required": required},
		"input_order":    map[string]any{"required": order},
		"output":         outputs,
		"output_is_list": make([]bool, len(outputs)),
		"output_name":    outputs,
		"name":           name,
		"display_name":   name,
		"description":    "",
		"python_module":  "nodes",
		"category":       nc.category,
		"output_node":    nc.outputNode,
	}
}
