// Package a1111fake is a local stand-in for the HTTP API of AUTOMATIC1111's Stable Diffusion web
// UI and of its fork Forge (started with --api), faithful to the parts the hub relies on, so that
// the a1111 adapter and the end-to-end tests can talk HTTP to something that behaves — and
// misbehaves — like them without a GPU.
//
// What it speaks (all under /sdapi/v1):
//   - POST /txt2img renders one real picture per request (batch_size and n_iter are read but only
//     one picture is drawn) of the requested size, floored to a multiple of 8 as the latent space
//     does: a gradient whose colours come from the prompt and the seed, so the same prompt and seed
//     always give the same bytes. The format is the server's samples_format (WithFormat): PNG by
//     default, carrying the generation parameters in a text chunk as the web UI writes them, JPEG
//     or WebP. The answer is {"images": [base64…], "parameters": {echo}, "info": "<JSON string>"},
//     info holding seed, all_seeds, sd_model_name, infotexts and the rest, as Processed.js() does;
//     a seed of -1 is replaced by a random one, which info reports.
//   - GET /sd-models lists the checkpoints ({title, model_name, hash, sha256, filename, config}),
//     GET /samplers the samplers ({name, aliases, options}).
//   - GET /progress?skip_current_image=true reports the render in progress as the real server
//     does: progress 0…1 (0 when idle), eta_relative, and state (job, job_count, job_no,
//     sampling_step, sampling_steps, …). Renders are serialised, one at a time, as the web UI's
//     queue lock does, and take WithStepDuration per sampling step (or wait for WithStepGate), so
//     progress is observable. Unlike the web UI, which finishes a render nobody waits for any
//     more, the fake stops one whose client left.
//   - override_settings.sd_model_checkpoint must name a checkpoint (title, file name, model_name,
//     stem, hash or sha256); anything else answers 500 {"error": "RuntimeError", …} as Forge does.
//     A known one is loaded and stays loaded (Forge keeps overrides: Loaded says which).
//   - An unknown sampler answers 404 "Sampler not found"; a body that is not the request's JSON
//     answers 422 with FastAPI's {"detail": [...]}; errors otherwise have the web UI's shape
//     {"error", "detail", "body", "errors"}.
//   - WithAuth demands HTTP basic credentials (--api-auth user:pass), WithBearer a bearer token
//     (as hosted proxies do), on every route.
//
// Behaviours (Behaviour) script failures of txt2img: the server answers its Script in order, one
// behaviour per txt2img request that passed the credentials check, then falls back to its default
// (WithBehaviour, else success). Every txt2img request is recorded (Requests), and every request
// counted by path (Hits).
package a1111fake

import (
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/companionhub/companionhub/test/fakes/fakehttp"
)

// API is the path prefix of every route.
const API = "/sdapi/v1"

// Format is a samples_format the server encodes pictures in.
type Format string

// The formats the web UI can be configured to send.
const (
	PNG  Format = "png"
	JPEG Format = "jpg"
	WebP Format = "webp"
)

// Checkpoint is one model file the server lists.
type Checkpoint struct {
	Title, ModelName, Hash, SHA256, Filename string
}

// NewCheckpoint describes the file at file (relative to the models directory, e.g.
// "sd_xl_base_1.0.safetensors" or "anime/pony.safetensors") with the short hash hash, named as
// the web UI names it: title "path [hash]", model_name the path without extension with slashes
// made underscores, filename the absolute path.
func NewCheckpoint(file, hash string) Checkpoint {
	return Checkpoint{
		Title:     file + " [" + hash + "]",
		ModelName: strings.ReplaceAll(strings.TrimSuffix(file, path.Ext(file)), "/", "_"),
		Hash:      hash,
		SHA256:    fmt.Sprintf("%x", sha256.Sum256([]byte(file))),
		Filename:  "/models/Stable-diffusion/" + file,
	}
}

// stem is the file name without directory or extension, the web UI's name_for_extra.
func (c Checkpoint) stem() string {
	base := path.Base(c.Filename)
	return strings.TrimSuffix(base, path.Ext(base))
}

// name is the path relative to the models directory: the title without its hash.
func (c Checkpoint) name() string { return strings.TrimSuffix(c.Title, " ["+c.Hash+"]") }

// aliases are the names Forge accepts for the checkpoint in sd_model_checkpoint.
func (c Checkpoint) aliases() []string {
	return []string{c.Title, c.name(), c.ModelName, c.stem(), c.Hash, c.SHA256}
}

// DefaultCheckpoints are what the server lists unless WithCheckpoints says otherwise; the first is
// loaded at start.
func DefaultCheckpoints() []Checkpoint {
	return []Checkpoint{
		NewCheckpoint("v1-5-pruned-emaonly.safetensors", "6ce0161689"),
		NewCheckpoint("sd_xl_base_1.0.safetensors", "31e35c80fc"),
		NewCheckpoint("anime/animagineXL_v31.safetensors", "e3c47aedb0"),
	}
}

// Sampler is one sampler the server lists.
type Sampler struct {
	Name    string
	Aliases []string
}

// DefaultSamplers are the samplers of a recent web UI (1.9 and later, and Forge), where
// schedulers are a setting of their own.
func DefaultSamplers() []Sampler {
	return []Sampler{
		{"DPM++ 2M", []string{"k_dpmpp_2m"}}, {"DPM++ SDE", []string{"k_dpmpp_sde"}},
		{"DPM++ 2M SDE", []string{"k_dpmpp_2m_sde"}}, {"Euler a", []string{"k_euler_a", "k_euler_ancestral"}},
		{"Euler", []string{"k_euler"}}, {"LMS", []string{"k_lms"}}, {"Heun", []string{"k_heun"}},
		{"DPM2", []string{"k_dpm_2"}}, {"DPM2 a", []string{"k_dpm_2_a"}}, {"DDIM", []string{"ddim"}},
		{"PLMS", []string{"plms"}}, {"UniPC", []string{"unipc"}}, {"LCM", []string{"k_lcm"}},
	}
}

// Server is the fake API. It is safe for concurrent use; every method may be called while requests
// are in flight.
type Server struct {
	srv   *httptest.Server
	done  chan struct{} // closed at cleanup so that renders and hangs stop at once
	queue chan struct{} // the queue lock: one render at a time

	script   fakehttp.Script[Behaviour]
	requests fakehttp.Log[Request]

	mu     sync.Mutex
	cfg    config
	hits   map[string]int
	loaded string // title of the loaded checkpoint
	state  state
}

type config struct {
	checkpoints  []Checkpoint
	samplers     []Sampler
	format       Format
	dataURL      bool
	basic        string // "user:pass"
	bearer       string
	stepDuration time.Duration
	gate         <-chan struct{}
	fallback     Behaviour
}

// Option configures a Server.
type Option func(*config)

// WithCheckpoints sets the checkpoints the server lists (the first is loaded at start).
func WithCheckpoints(cs ...Checkpoint) Option { return func(c *config) { c.checkpoints = cs } }

// WithSamplers sets the samplers the server lists and accepts.
func WithSamplers(ss ...Sampler) Option { return func(c *config) { c.samplers = ss } }

// WithFormat sets the server's samples_format.
func WithFormat(f Format) Option { return func(c *config) { c.format = f } }

// WithDataURLs prefixes every image with "data:image/<format>;base64,", as some forks and proxies
// do.
func WithDataURLs() Option { return func(c *config) { c.dataURL = true } }

// WithAuth demands HTTP basic credentials, as --api-auth "user:pass" does.
func WithAuth(userPass string) Option { return func(c *config) { c.basic = userPass } }

// WithBearer demands "Authorization: Bearer token", as hosted proxies of the API do.
func WithBearer(token string) Option { return func(c *config) { c.bearer = token } }

// WithStepDuration sets how long every sampling step takes (0: no time at all).
func WithStepDuration(d time.Duration) Option { return func(c *config) { c.stepDuration = d } }

// WithStepGate makes every sampling step wait for a value from gate (after its duration), so a
// test decides when a render moves on.
func WithStepGate(gate <-chan struct{}) Option { return func(c *config) { c.gate = gate } }

// WithBehaviour sets how txt2img requests are answered once the script is used up.
func WithBehaviour(b Behaviour) Option { return func(c *config) { c.fallback = b } }

// New starts a server that t closes when it ends.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	cfg := config{checkpoints: DefaultCheckpoints(), samplers: DefaultSamplers(), format: PNG}
	for _, o := range opts {
		o(&cfg)
	}
	s := &Server{cfg: cfg, done: make(chan struct{}), queue: make(chan struct{}, 1), hits: map[string]int{}}
	if len(cfg.checkpoints) > 0 {
		s.loaded = cfg.checkpoints[0].Title
	}
	s.srv = httptest.NewServer(s)
	t.Cleanup(func() {
		close(s.done)
		s.srv.Close()
	})
	return s
}

// URL is the server's root, what clients are configured with.
func (s *Server) URL() string { return s.srv.URL }

// Client returns an HTTP client for the server.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Script queues behaviours for the next txt2img requests, one each, after any already queued.
func (s *Server) Script(bs ...Behaviour) { s.script.Add(bs...) }

// SetCheckpoints replaces the checkpoints the server lists, as dropping a file in its models
// directory and refreshing does.
func (s *Server) SetCheckpoints(cs ...Checkpoint) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.checkpoints = cs
}

// Loaded returns the title of the loaded checkpoint.
func (s *Server) Loaded() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.loaded
}

// Requests returns the txt2img requests received so far, oldest first.
func (s *Server) Requests() []Request { return s.requests.All() }

// Hits returns how many requests reached path ("/sdapi/v1/sd-models", …), whatever the answer.
func (s *Server) Hits(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

// ServeHTTP checks credentials and routes the API's paths.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.hits[r.URL.Path]++
	cfg := s.cfg
	s.mu.Unlock()
	if !s.authorised(w, r, cfg) {
		if r.URL.Path == API+"/txt2img" {
			s.requests.Add(Request{Header: r.Header.Clone()})
		}
		return
	}
	route := r.Method + " " + strings.TrimPrefix(r.URL.Path, API)
	switch route {
	case "POST /txt2img":
		s.txt2img(w, r)
	case "GET /sd-models":
		s.models(w, cfg)
	case "GET /samplers":
		s.samplers(w, cfg)
	case "GET /progress":
		s.progress(w)
	default:
		// FastAPI's answer for a route it does not have: what every /sdapi path answers when the
		// web UI runs without --api.
		fakehttp.WriteJSON(w, http.StatusNotFound, map[string]string{"detail": "Not Found"})
	}
}

// authorised checks credentials as --api-auth (HTTPBasic) or a proxy's bearer check does.
func (s *Server) authorised(w http.ResponseWriter, r *http.Request, cfg config) bool {
	switch {
	case cfg.basic != "":
		user, pass, ok := r.BasicAuth()
		if !ok {
			w.Header().Set("WWW-Authenticate", "Basic")
			fakehttp.WriteJSON(w, http.StatusUnauthorized, map[string]string{"detail": "Not authenticated"})
			return false
		}
		if user+":"+pass != cfg.basic {
			w.Header().Set("WWW-Authenticate", "Basic")
			writeError(w, http.StatusUnauthorized, "HTTPException", "Incorrect username or password", "")
			return false
		}
	case cfg.bearer != "":
		if _, ok := fakehttp.Bearer(r, cfg.bearer); !ok {
			fakehttp.WriteJSON(w, http.StatusUnauthorized, map[string]string{"detail": "Invalid API key"})
			return false
		}
	}
	return true
}

func (s *Server) models(w http.ResponseWriter, cfg config) {
	type item struct {
		Title     string  `json:"title"`
		ModelName string  `json:"model_name"`
		Hash      string  `json:"hash"`
		SHA256    string  `json:"sha256"`
		Filename  string  `json:"filename"`
		Config    *string `json:"config"`
	}
	out := []item{}
	for _, c := range cfg.checkpoints {
		out = append(out, item{c.Title, c.ModelName, c.Hash, c.SHA256, c.Filename, nil})
	}
	fakehttp.WriteJSON(w, http.StatusOK, out)
}

func (s *Server) samplers(w http.ResponseWriter, cfg config) {
	type item struct {
		Name    string            `json:"name"`
		Aliases []string          `json:"aliases"`
		Options map[string]string `json:"options"`
	}
	out := []item{}
	for _, sm := range cfg.samplers {
		out = append(out, item{sm.Name, append([]string{}, sm.Aliases...), map[string]string{}})
	}
	fakehttp.WriteJSON(w, http.StatusOK, out)
}

// writeError answers in the shape of the web UI's exception handler.
func writeError(w http.ResponseWriter, status int, typ, detail, errs string) {
	if errs == "" && detail != "" {
		errs = http.StatusText(status) + ": " + detail
	}
	fakehttp.WriteJSON(w, status, map[string]string{"error": typ, "detail": detail, "body": "", "errors": errs})
}
