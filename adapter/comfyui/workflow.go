package comfyui

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// defaultWorkflow is the workflow used when none is configured: ComfyUI's classic text-to-image
// graph (checkpoint, two prompts, an empty latent, KSampler, VAE decode, SaveImage) with
// SillyTavern's placeholders where the hub's values go.
//
//go:embed default_workflow.json
var defaultWorkflow []byte

// DefaultWorkflow returns the built-in workflow, API format, with placeholders: a starting point
// for a workflow of one's own.
func DefaultWorkflow() []byte { return bytes.Clone(defaultWorkflow) }

// maxWorkflow bounds a workflow file: real ones are a few kilobytes, and a mistaken path must not
// make start-up read a disk image.
const maxWorkflow = 8 << 20

// exportHint says how to get a workflow ComfyUI's /prompt accepts.
const exportHint = "export it from ComfyUI with Workflow → Export (API)"

// workflow is a validated workflow template: its JSON, and the placeholders it uses.
type workflow struct {
	raw  []byte
	uses map[string]bool
}

// parseWorkflow checks that raw is a workflow /prompt can take — a JSON object of nodes, each with
// a class_type and an inputs object, at least one of them an output node that saves or previews a
// picture — and that it has a %prompt% placeholder, without which every picture would ignore its
// prompt. The errors say what is wrong in terms of the file, for a start-up message.
func parseWorkflow(raw []byte) (workflow, error) {
	if len(raw) > maxWorkflow {
		return workflow{}, fmt.Errorf("is larger than %d MiB", maxWorkflow>>20)
	}
	var graph map[string]any
	if err := decodeJSON(raw, &graph); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return workflow{}, fmt.Errorf("must be a JSON object of nodes; %s", exportHint)
		}
		return workflow{}, fmt.Errorf("is not valid JSON (%v)", err)
	}
	if _, ok := graph["nodes"].([]any); ok {
		return workflow{}, fmt.Errorf("is a workflow in the UI format, which /prompt does not take; %s", exportHint)
	}
	if len(graph) == 0 {
		return workflow{}, fmt.Errorf("has no nodes; %s", exportHint)
	}
	outputs := 0
	for _, id := range nodeIDs(graph) {
		node, ok := graph[id].(map[string]any)
		if !ok {
			return workflow{}, fmt.Errorf("node %q is not a JSON object; %s", id, exportHint)
		}
		ct, _ := node["class_type"].(string)
		if strings.TrimSpace(ct) == "" {
			return workflow{}, fmt.Errorf("node %q has no class_type; %s", id, exportHint)
		}
		if _, ok := node["inputs"].(map[string]any); !ok {
			return workflow{}, fmt.Errorf("node %q (%s) has no inputs object; %s", id, ct, exportHint)
		}
		if isOutputNode(ct) {
			outputs++
		}
	}
	if outputs == 0 {
		return workflow{}, errors.New("has no output node that saves or previews a picture (SaveImage, PreviewImage…)")
	}
	uses := map[string]bool{}
	walkStrings(graph, func(s string) {
		if name, ok := placeholderName(s); ok {
			uses[name] = true
		}
	})
	if !uses[phPrompt] {
		return workflow{}, errors.New(`has no "%prompt%" placeholder, so every picture would ignore its prompt`)
	}
	return workflow{raw: raw, uses: uses}, nil
}

// isOutputNode says whether a class leaves a picture in the history: ComfyUI's SaveImage and
// PreviewImage, and the custom nodes named after saving or previewing ("Image Save", …). ComfyUI
// itself knows which classes are output nodes; the hub, without asking it, goes by the name.
func isOutputNode(classType string) bool {
	ct := strings.ToLower(classType)
	return strings.Contains(ct, "save") || strings.Contains(ct, "preview")
}

// graph decodes the template afresh, substitutes the values and encodes the result, for one
// request: the template itself is never modified, so concurrent requests share it.
func (w workflow) graph(values map[string]any) (json.RawMessage, error) {
	var graph map[string]any
	if err := decodeJSON(w.raw, &graph); err != nil {
		return nil, fmt.Errorf("decode the workflow: %w", err)
	}
	substituted := substitute(graph, values)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(substituted); err != nil {
		return nil, fmt.Errorf("encode the workflow: %w", err)
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// decodeJSON decodes one JSON value, keeping numbers as json.Number so a workflow's own values
// (a seed beyond 2⁵³) reach ComfyUI unchanged.
func decodeJSON(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("text after the JSON value")
	}
	return nil
}

// walkStrings calls fn with every string value of v, at any depth (object keys are not values).
func walkStrings(v any, fn func(string)) {
	switch x := v.(type) {
	case string:
		fn(x)
	case map[string]any:
		for _, e := range x {
			walkStrings(e, fn)
		}
	case []any:
		for _, e := range x {
			walkStrings(e, fn)
		}
	}
}
