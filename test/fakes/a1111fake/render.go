package a1111fake

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/companionhub/companionhub/test/fakes/fakehttp"
)

// Request is one txt2img request as the server read it: the raw body, and the parameters with the
// web UI's defaults filled in for those the body left out.
type Request struct {
	Header http.Header
	// Body is the raw JSON body.
	Body []byte
	// Valid says the body decoded; the fields below are zero when it did not.
	Valid                  bool
	Prompt, NegativePrompt string
	Width, Height, Steps   int
	CFGScale               float64
	SamplerName, Scheduler string
	Seed                   int64
	BatchSize, NIter       int
	SendImages, SaveImages bool
	// Checkpoint is override_settings.sd_model_checkpoint ("" when absent).
	Checkpoint        string
	OverrideSettings  map[string]any
	RestoreAfterwards bool
}

// wireRequest holds the fields the fake reads; pointers tell absent ones, which get the web UI's
// defaults.
type wireRequest struct {
	Prompt            *string        `json:"prompt"`
	NegativePrompt    *string        `json:"negative_prompt"`
	Width             *int           `json:"width"`
	Height            *int           `json:"height"`
	Steps             *int           `json:"steps"`
	CFGScale          *float64       `json:"cfg_scale"`
	SamplerName       *string        `json:"sampler_name"`
	SamplerIndex      *string        `json:"sampler_index"`
	Scheduler         *string        `json:"scheduler"`
	Seed              *int64         `json:"seed"`
	BatchSize         *int           `json:"batch_size"`
	NIter             *int           `json:"n_iter"`
	SendImages        *bool          `json:"send_images"`
	SaveImages        *bool          `json:"save_images"`
	OverrideSettings  map[string]any `json:"override_settings"`
	RestoreAfterwards *bool          `json:"override_settings_restore_afterwards"`
}

func valueOr[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

// params applies StableDiffusionProcessingTxt2Img's defaults.
func (wr wireRequest) params(r *Request) {
	r.Valid = true
	r.Prompt, r.NegativePrompt = valueOr(wr.Prompt, ""), valueOr(wr.NegativePrompt, "")
	r.Width, r.Height, r.Steps = valueOr(wr.Width, 512), valueOr(wr.Height, 512), valueOr(wr.Steps, 50)
	r.CFGScale, r.Seed = valueOr(wr.CFGScale, 7.0), valueOr(wr.Seed, -1)
	r.SamplerName, r.Scheduler = valueOr(wr.SamplerName, ""), valueOr(wr.Scheduler, "")
	if r.SamplerName == "" {
		r.SamplerName = valueOr(wr.SamplerIndex, "Euler")
	}
	r.BatchSize, r.NIter = valueOr(wr.BatchSize, 1), valueOr(wr.NIter, 1)
	r.SendImages, r.SaveImages = valueOr(wr.SendImages, true), valueOr(wr.SaveImages, false)
	r.OverrideSettings, r.RestoreAfterwards = wr.OverrideSettings, valueOr(wr.RestoreAfterwards, true)
	if name, ok := wr.OverrideSettings["sd_model_checkpoint"].(string); ok {
		r.Checkpoint = name
	}
}

// next returns the behaviour that answers the next txt2img request.
func (s *Server) next() Behaviour {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.script.Next(s.cfg.fallback)
}

// txt2img checks the request in the order the web UI does — body, checkpoint, sampler — then
// waits for the queue and renders.
func (s *Server) txt2img(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	req := Request{Header: r.Header.Clone(), Body: body}
	var wr wireRequest
	if err == nil {
		err = json.Unmarshal(body, &wr)
	}
	if err == nil {
		wr.params(&req)
	}
	s.requests.Add(req)
	b := s.next()
	switch {
	case b.Status != 0 && b.Status != http.StatusOK:
		b.fail(w)
		return
	case b.Hang:
		fakehttp.Hang(r, s.done)
		return
	case err != nil:
		field := "body"
		if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
			field = te.Field
		}
		fakehttp.WriteJSON(w, http.StatusUnprocessableEntity, validationError(field, "value is not valid"))
		return
	}
	if !s.load(w, req.Checkpoint) || !s.knownSampler(w, req.SamplerName) {
		return
	}
	width, height := req.Width/8*8, req.Height/8*8 // what the latent space can hold
	if width < 8 || height < 8 || width > 8192 || height > 8192 || req.Steps < 1 {
		writeError(w, http.StatusInternalServerError, "RuntimeError", "",
			fmt.Sprintf("cannot render %dx%d in %d steps", req.Width, req.Height, req.Steps))
		return
	}
	if req.Seed < 0 {
		req.Seed = rand.Int64N(4294967294) // the web UI's range for a random seed
	}
	s.mu.Lock()
	cfg := s.cfg
	s.mu.Unlock()
	step := cfg.stepDuration
	if b.StepDuration > 0 {
		step = b.StepDuration
	}
	if !s.render(r, req.Steps, step, cfg.gate) {
		return
	}
	s.answer(w, req, width, height, cfg, b)
}

// load checks sd_model_checkpoint against the checkpoints' aliases as Forge does, and loads it:
// an override is never undone for the checkpoint.
func (s *Server) load(w http.ResponseWriter, name string) bool {
	if name == "" {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.cfg.checkpoints {
		if slices.Contains(c.aliases(), name) {
			s.loaded = c.Title
			return true
		}
	}
	writeError(w, http.StatusInternalServerError, "RuntimeError", "", fmt.Sprintf("model %q not found (%s)", name, ProviderText))
	return false
}

// schedulers are the labels the web UI accepts after a sampler name ("DPM++ 2M Karras"), from the
// days schedulers were part of the sampler's name.
var schedulers = []string{"Automatic", "Uniform", "Karras", "Exponential", "Polyexponential",
	"SGM Uniform", "KL Optimal", "Align Your Steps", "Simple", "Normal", "DDIM", "Beta"}

// knownSampler answers 404 "Sampler not found" for a name the server has not, as validate_sampler_name
// does.
func (s *Server) knownSampler(w http.ResponseWriter, name string) bool {
	s.mu.Lock()
	samplers := s.cfg.samplers
	s.mu.Unlock()
	for _, sm := range samplers {
		if name == sm.Name {
			return true
		}
		if rest, ok := strings.CutPrefix(name, sm.Name+" "); ok && slices.Contains(schedulers, rest) {
			return true
		}
	}
	writeError(w, http.StatusNotFound, "HTTPException", "Sampler not found", "")
	return false
}

// answer draws the picture and sends it with the info the web UI sends.
func (s *Server) answer(w http.ResponseWriter, req Request, width, height int, cfg config, b Behaviour) {
	if b.Malformed {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"images": ["iVBORw0KGgo`)
		return
	}
	ckpt := s.checkpoint()
	infotext := infotext(req, width, height, ckpt)
	data, err := encode(draw(width, height, req.Prompt, req.Seed), cfg.format, infotext)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "OSError", "", err.Error())
		return
	}
	if b.NotAPicture {
		data = []byte("<html>not a picture</html>")
	}
	img := base64.StdEncoding.EncodeToString(data)
	if cfg.dataURL {
		img = "data:image/" + strings.Replace(string(cfg.format), "jpg", "jpeg", 1) + ";base64," + img
	}
	images := []string{}
	if req.SendImages {
		images = append(images, img)
	}
	var params map[string]any
	_ = json.Unmarshal(req.Body, &params)
	fakehttp.WriteJSON(w, http.StatusOK, map[string]any{
		"images": images, "parameters": params, "info": info(req, width, height, ckpt, infotext),
	})
}

// checkpoint is the loaded checkpoint (zero when the server lists none).
func (s *Server) checkpoint() Checkpoint {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.cfg.checkpoints {
		if c.Title == s.loaded {
			return c
		}
	}
	return Checkpoint{}
}

// infotext is the parameters text the web UI writes into pictures and info.infotexts.
func infotext(req Request, width, height int, c Checkpoint) string {
	var b strings.Builder
	b.WriteString(req.Prompt)
	if req.NegativePrompt != "" {
		b.WriteString("\nNegative prompt: " + req.NegativePrompt)
	}
	fmt.Fprintf(&b, "\nSteps: %d, Sampler: %s, CFG scale: %g, Seed: %d, Size: %dx%d, Model hash: %s, Model: %s, Version: v1.10.1",
		req.Steps, req.SamplerName, req.CFGScale, req.Seed, width, height, c.Hash, c.ModelName)
	return b.String()
}

// info is Processed.js(): a JSON document sent as a string.
func info(req Request, width, height int, c Checkpoint, infotext string) string {
	v := struct {
		Prompt            string   `json:"prompt"`
		AllPrompts        []string `json:"all_prompts"`
		NegativePrompt    string   `json:"negative_prompt"`
		Seed              int64    `json:"seed"`
		AllSeeds          []int64  `json:"all_seeds"`
		Subseed           int64    `json:"subseed"`
		AllSubseeds       []int64  `json:"all_subseeds"`
		Width             int      `json:"width"`
		Height            int      `json:"height"`
		SamplerName       string   `json:"sampler_name"`
		CFGScale          float64  `json:"cfg_scale"`
		Steps             int      `json:"steps"`
		BatchSize         int      `json:"batch_size"`
		SDModelName       string   `json:"sd_model_name"`
		SDModelHash       string   `json:"sd_model_hash"`
		IndexOfFirstImage int      `json:"index_of_first_image"`
		Infotexts         []string `json:"infotexts"`
		Styles            []string `json:"styles"`
		JobTimestamp      string   `json:"job_timestamp"`
		ClipSkip          int      `json:"clip_skip"`
		Version           string   `json:"version"`
	}{
		req.Prompt, []string{req.Prompt}, req.NegativePrompt, req.Seed, []int64{req.Seed},
		req.Seed + 1, []int64{req.Seed + 1}, width, height, req.SamplerName, req.CFGScale, req.Steps,
		req.BatchSize, c.ModelName, c.Hash, 0, []string{infotext}, []string{},
		time.Now().Format("20060102150405"), 1, "v1.10.1",
	}
	out, _ := json.Marshal(v)
	return string(out)
}
