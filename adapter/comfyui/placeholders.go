package comfyui

import (
	"encoding/base64"

	"github.com/companionhub/companionhub/usecase/picture"
)

// SillyTavern's placeholders, so that a workflow made for SillyTavern's ComfyUI source works here
// unchanged. Its convention, followed exactly: a placeholder is a whole JSON string value,
// "%name%", and is replaced by the JSON value of the setting — a string stays a string, a number
// becomes a number ("seed": "%seed%" becomes "seed": 42, which ComfyUI's INT inputs need). Text
// around a placeholder is not a placeholder: "%prompt%, masterpiece" stays as it is, as it does in
// SillyTavern, which replaces only the quoted token.
//
// Every name below always has a value, so none survives substitution. What the hub has no value
// of its own for gets SillyTavern's default:
//
//	%prompt%, %negative_prompt%  the request's texts ("" when there is no negative prompt)
//	%seed%                       the request's seed, or the one chosen for it (integer)
//	%steps%                      the request's steps, 20 when it leaves them to the backend (integer)
//	%scale%                      the request's CFG scale, 7 when it says none (number)
//	%width%, %height%            the request's size (integers)
//	%clip_skip%                  -1, no layer skipped: SillyTavern writes minus its CLIP skip
//	                             setting, -1 when unset (integer, CLIPSetLastLayer's convention)
//	%denoise%                    COMFYUI_DENOISE, 0.7 unless set (number; for image-to-image
//	                             workflows, text-to-image ones use 1)
//	%model%                      the request's model, else IMAGE_MODEL
//	%vae%                        COMFYUI_VAE (a workflow using it needs it set)
//	%sampler%                    the request's sampler, "euler" when it names none
//	%scheduler%                  COMFYUI_SCHEDULER, "normal" unless set
//	%char_avatar%, %user_avatar% the companion's header image and the person's picture, base64
//	                             (no data: prefix) of their bytes as stored (PNG, JPEG or WebP,
//	                             which Load Image (Base64) decodes alike); a 1×1 transparent PNG
//	                             when there is none, so the workflow still runs
//
// Any other "%name%" — SillyTavern's custom placeholders, or text that happens to look like one —
// is left as it is: it may be a user's own text, and ComfyUI reports an input it cannot use.
const (
	phPrompt         = "prompt"
	phNegativePrompt = "negative_prompt"
	phSeed           = "seed"
	phSteps          = "steps"
	phScale          = "scale"
	phWidth          = "width"
	phHeight         = "height"
	phClipSkip       = "clip_skip"
	phDenoise        = "denoise"
	phModel          = "model"
	phVAE            = "vae"
	phSampler        = "sampler"
	phScheduler      = "scheduler"
	phCharAvatar     = "char_avatar"
	phUserAvatar     = "user_avatar"
)

// Placeholders lists the names the hub substitutes, in the order the table above documents them.
func Placeholders() []string {
	return []string{phPrompt, phNegativePrompt, phSeed, phSteps, phScale, phWidth, phHeight, phClipSkip,
		phDenoise, phModel, phVAE, phSampler, phScheduler, phCharAvatar, phUserAvatar}
}

// The defaults of the request's values, SillyTavern's own.
const (
	defaultSteps    = 20
	defaultScale    = 7.0
	defaultSampler  = "euler"
	defaultClipSkip = -1
)

// blankPNG is a valid 1×1 transparent PNG, base64: the avatar of whoever has none.
const blankPNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAAEUlEQVR4nGJiYGBgAAQAAP//AA8AA/6P688AAAAASUVORK5CYII="

// values are the placeholders' values for one request rendered with seed.
func (c *Client) values(req picture.Request, seed int64) map[string]any {
	steps := req.Steps
	if steps == 0 {
		steps = defaultSteps
	}
	scale := req.CFGScale
	if scale == 0 {
		scale = defaultScale
	}
	sampler := req.Sampler
	if sampler == "" {
		sampler = defaultSampler
	}
	model := req.Model
	if model == "" {
		model = c.model
	}
	return map[string]any{
		phPrompt: req.Prompt, phNegativePrompt: req.NegativePrompt,
		phSeed: seed, phSteps: steps, phScale: scale, phWidth: req.Width, phHeight: req.Height,
		phClipSkip: defaultClipSkip, phDenoise: c.denoise,
		phModel: model, phVAE: c.vae, phSampler: sampler, phScheduler: c.scheduler,
		phCharAvatar: avatar(req.CharacterAvatar), phUserAvatar: avatar(req.UserAvatar),
	}
}

func avatar(img []byte) string {
	if len(img) == 0 {
		return blankPNG
	}
	return base64.StdEncoding.EncodeToString(img)
}

// placeholderName returns name for a string that is exactly "%name%" with a name the hub knows.
func placeholderName(s string) (string, bool) {
	if len(s) < 3 || s[0] != '%' || s[len(s)-1] != '%' {
		return "", false
	}
	name := s[1 : len(s)-1]
	for _, known := range Placeholders() {
		if name == known {
			return name, true
		}
	}
	return "", false
}

// substitute returns v with every placeholder string value, at any depth, replaced by its value.
// Maps and slices are modified in place (v is a fresh decoding of the template).
func substitute(v any, values map[string]any) any {
	switch x := v.(type) {
	case string:
		if name, ok := placeholderName(x); ok {
			return values[name]
		}
		return x
	case map[string]any:
		for k, e := range x {
			x[k] = substitute(e, values)
		}
	case []any:
		for i, e := range x {
			x[i] = substitute(e, values)
		}
	}
	return v
}
