package a1111

import (
	"context"
	"errors"
	"math"
	"net/http"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/picture"
)

// The sides the adapter asks for: what the port's callers may ask (64–2048), in the multiples of 8
// a latent space holds — the web UI silently renders a smaller picture otherwise.
const (
	minSide  = 64
	maxSide  = 2048
	sideStep = 8
)

// validate refuses what the server must not be asked, before any call: a picture the use case
// would refuse anyway, or a request the server would fail on after loading a checkpoint.
func validate(req picture.Request) error {
	var vs []domain.FieldViolation
	side := func(field string, v int) {
		if v < minSide || v > maxSide || v%sideStep != 0 {
			vs = append(vs, domain.Violation(field, "out_of_range", "the "+field+" must be a multiple of 8 within 64–2048 pixels"))
		}
	}
	side("width", req.Width)
	side("height", req.Height)
	if req.Steps < 0 || req.Steps > maxSteps {
		vs = append(vs, domain.Violation("steps", "out_of_range", "the number of steps must be 0–150"))
	}
	if req.CFGScale < 0 || req.CFGScale > 30 || math.IsNaN(req.CFGScale) {
		vs = append(vs, domain.Violation("cfg_scale", "out_of_range", "the CFG scale must be 0–30"))
	}
	return domain.Invalid(vs...)
}

// txt2imgRequest is the body of POST /sdapi/v1/txt2img: the fields of the web UI's
// StableDiffusionProcessingTxt2Img the adapter sets, the rest left to the server's defaults.
type txt2imgRequest struct {
	Prompt         string  `json:"prompt"`
	NegativePrompt string  `json:"negative_prompt"`
	Width          int     `json:"width"`
	Height         int     `json:"height"`
	Steps          int     `json:"steps"`
	CFGScale       float64 `json:"cfg_scale"`
	SamplerName    string  `json:"sampler_name,omitempty"`
	Scheduler      string  `json:"scheduler,omitempty"`
	Seed           int64   `json:"seed"`
	BatchSize      int     `json:"batch_size"`
	NIter          int     `json:"n_iter"`
	SendImages     bool    `json:"send_images"`
	SaveImages     bool    `json:"save_images"`
	// OverrideSettings holds sd_model_checkpoint when a checkpoint is chosen. Restoring the
	// settings afterwards is asked for, though Forge keeps the checkpoint loaded anyway: that is
	// why every request names its checkpoint when one is configured.
	OverrideSettings  map[string]string `json:"override_settings,omitempty"`
	RestoreAfterwards bool              `json:"override_settings_restore_afterwards"`
}

// txt2imgBody builds the request's body, filling what it leaves to the backend from the Config and
// resolving its checkpoint and sampler against the server's lists.
func (c *Client) txt2imgBody(ctx context.Context, req picture.Request) (txt2imgRequest, error) {
	body := txt2imgRequest{
		Prompt:            req.Prompt,
		NegativePrompt:    req.NegativePrompt,
		Width:             req.Width,
		Height:            req.Height,
		Steps:             req.Steps,
		CFGScale:          req.CFGScale,
		Scheduler:         c.scheduler,
		Seed:              max(req.Seed, -1), // -1: the server chooses
		BatchSize:         1,
		NIter:             1,
		SendImages:        true,
		RestoreAfterwards: true,
	}
	if body.Steps == 0 {
		body.Steps = c.steps
	}
	if body.CFGScale == 0 {
		body.CFGScale = c.cfgScale
	}
	model := req.Model
	if model == "" {
		model = c.model
	}
	if model != "" {
		title, err := c.resolveCheckpoint(ctx, model)
		if err != nil {
			return body, err
		}
		body.OverrideSettings = map[string]string{"sd_model_checkpoint": title}
	}
	name := req.Sampler
	if name == "" {
		name = c.sampler
	}
	if name != "" {
		s, err := c.resolveSampler(ctx, name)
		if err != nil {
			return body, err
		}
		body.SamplerName = s
	}
	return body, nil
}

// unlisted reports whether err is a list endpoint the server does not have (404): a copy of the
// API with txt2img only, which is then left to judge names itself.
func unlisted(err error) bool {
	se, ok := errors.AsType[*statusError](err)
	return ok && se.code == http.StatusNotFound
}
