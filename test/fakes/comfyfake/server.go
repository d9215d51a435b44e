// Package comfyfake is a local stand-in for ComfyUI's API, faithful to the parts the hub relies
// on, so that the comfyui adapter and end-to-end tests can queue workflows, watch them render and
// fetch pictures without a GPU:
//
//   - POST /prompt {"prompt": graph, "client_id"} validates the graph as ComfyUI's
//     validate_prompt does — class_type present and known, an output node, every required input
//     present, of its type and within bounds, links to outputs of the right type — and answers
//     {"prompt_id","number","node_errors":{}}, or 400 {"error":{type,message,details,extra_info},
//     "node_errors":{id:{errors,dependent_outputs,class_type}}}. A STRING input still holding a
//     whole SillyTavern placeholder ("%prompt%") fails too, which ComfyUI would not check.
//   - One worker renders the queue in order, as ComfyUI does: per node an "executing" message,
//     per sampler step a "progress" {value,max,prompt_id,node} (WithStepDuration paces them) and
//     a binary preview frame, per output node an "executed", then "execution_success", the
//     history entry, and "executing" with node null. Messages go to the WebSocket whose clientId
//     queued the prompt; "status" ones to every socket.
//   - The picture is a real PNG of the size the graph asks for (EmptyLatentImage, or ImageScale
//     upstream of the output), drawn from the positive prompt's text and the sampler's seed: the
//     same graph always renders the same bytes.
//   - GET /history/{id} is {} until the prompt ends, then {id:{prompt,outputs,status,meta}};
//     GET /view?filename=&subfolder=&type= serves the saved file; GET /ws?clientId= is the
//     WebSocket; GET /object_info/{class} describes a node class (KSampler lists the samplers);
//     POST /interrupt ({"prompt_id"} or global) and POST /queue {"delete":[ids]} act on the queue.
//     Every route also answers under /api, as ComfyUI's do.
//
// Behaviours (Behaviour) script failures: the server answers its Script in order, one behaviour
// per POST /prompt, then falls back to its default (WithBehaviour, else success). Every prompt
// is recorded (Prompts) with its decoded graph, so tests can check what a client substituted.
package comfyfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/companionhub/companionhub/test/fakes/fakehttp"
)

// The model names the server lists unless told otherwise.
const (
	DefaultCheckpoint = "fake-sd15.safetensors"
	DefaultVAE        = "fake-vae.safetensors"
)

// Samplers and Schedulers are the KSampler's lists unless told otherwise (a subset of ComfyUI's).
var (
	Samplers   = []string{"euler", "euler_ancestral", "heun", "dpm_2", "dpmpp_2m", "dpmpp_sde", "dpmpp_2m_sde", "lcm", "ddim", "uni_pc"}
	Schedulers = []string{"normal", "karras", "exponential", "sgm_uniform", "simple", "ddim_uniform", "beta"}
)

// Server is the fake API. It is safe for concurrent use.
type Server struct {
	srv     *httptest.Server
	done    chan struct{} // closed at cleanup: the worker and the sockets stop
	wake    chan struct{} // a prompt was queued
	worker  sync.WaitGroup
	classes map[string]nodeClass

	script     fakehttp.Script[Behaviour]
	prompts    fakehttp.Log[Prompt]
	interrupts fakehttp.Log[string]
	deleted    fakehttp.Log[string]

	mu      sync.Mutex
	cfg     config
	queue   []*job
	running *job
	history map[string]map[string]any
	files   map[string][]byte // by type/subfolder/filename
	sockets map[string]*socket
	number  int
	saved   int
}

type config struct {
	step                 time.Duration
	checkpoints, vaes    []string
	samplers, schedulers []string
	apiKey, errorMessage string
	noSocket             bool
	fallback             Behaviour
}

// Option configures a Server.
type Option func(*config)

// WithStepDuration waits d before each sampler step's progress message (0, the default: none).
func WithStepDuration(d time.Duration) Option { return func(c *config) { c.step = d } }

// WithCheckpoints sets the checkpoint names CheckpointLoaderSimple accepts.
func WithCheckpoints(names ...string) Option { return func(c *config) { c.checkpoints = names } }

// WithVAEs sets the names VAELoader accepts.
func WithVAEs(names ...string) Option { return func(c *config) { c.vaes = names } }

// WithSamplers sets the KSampler's sampler names.
func WithSamplers(names ...string) Option { return func(c *config) { c.samplers = names } }

// WithAPIKey makes every route, /ws included, demand "Authorization: Bearer key" and answer 401
// otherwise, as an authenticating proxy in front of ComfyUI does.
func WithAPIKey(key string) Option { return func(c *config) { c.apiKey = key } }

// WithErrorMessage sets the text put in every plain-text error body, so tests can check that
// server text never reaches users.
func WithErrorMessage(msg string) Option { return func(c *config) { c.errorMessage = msg } }

// WithoutWebSocket makes /ws answer 404, as a proxy that does not forward upgrades does.
func WithoutWebSocket() Option { return func(c *config) { c.noSocket = true } }

// WithBehaviour sets how prompts are handled once the script is used up.
func WithBehaviour(b Behaviour) Option { return func(c *config) { c.fallback = b } }

// New starts a server that t closes when it ends.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	cfg := config{checkpoints: []string{DefaultCheckpoint}, vaes: []string{DefaultVAE},
		samplers: Samplers, schedulers: Schedulers, errorMessage: "fake ComfyUI detail"}
	for _, o := range opts {
		o(&cfg)
	}
	s := &Server{cfg: cfg, classes: cfg.classes(), done: make(chan struct{}), wake: make(chan struct{}, 1),
		history: map[string]map[string]any{}, files: map[string][]byte{}, sockets: map[string]*socket{}}
	s.srv = httptest.NewServer(s)
	s.worker.Go(s.work)
	t.Cleanup(func() {
		close(s.done)
		s.worker.Wait()
		s.srv.Close()
	})
	return s
}

// URL is the server's root, what clients are configured with.
func (s *Server) URL() string { return s.srv.URL }

// Client returns an HTTP client for the server.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Script queues behaviours for the next prompts, one each, after any already queued.
func (s *Server) Script(bs ...Behaviour) { s.script.Add(bs...) }

// Prompts returns the prompts received so far, oldest first, rejected ones included.
func (s *Server) Prompts() []Prompt { return s.prompts.All() }

// Interrupts returns the prompt ids POST /interrupt named, oldest first ("" for a global one).
func (s *Server) Interrupts() []string { return s.interrupts.All() }

// Deleted returns the prompt ids POST /queue asked to delete, oldest first.
func (s *Server) Deleted() []string { return s.deleted.All() }

// Prompt is one POST /prompt as the server decoded it.
type Prompt struct {
	// ID is the prompt id the server answered with ("" when it refused the prompt).
	ID       string
	ClientID string
	Header   http.Header
	// Body is the raw request body; Graph its "prompt", decoded with json.Number for numbers so
	// a test can tell 42 from "42".
	Body  []byte
	Graph map[string]any
}

// Input returns the value of input name of node id, nil when there is none.
func (p Prompt) Input(id, name string) any {
	node, _ := p.Graph[id].(map[string]any)
	inputs, _ := node["inputs"].(map[string]any)
	return inputs[name]
}

// Inputs returns the values of input name of every node of class classType, in node id order.
func (p Prompt) Inputs(classType, name string) []any {
	var out []any
	for _, id := range sortedIDs(p.Graph) {
		if node, _ := p.Graph[id].(map[string]any); node["class_type"] == classType {
			out = append(out, p.Input(id, name))
		}
	}
	return out
}

// ServeHTTP routes the API's paths, with or without the /api prefix.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, ok := fakehttp.Bearer(r, s.cfg.apiKey); !ok {
		s.plain(w, http.StatusUnauthorized)
		return
	}
	path := strings.TrimPrefix(r.URL.Path, "/api")
	get, post := r.Method == http.MethodGet, r.Method == http.MethodPost
	switch {
	case path == "/prompt" && post:
		s.postPrompt(w, r)
	case path == "/ws" && get:
		s.serveSocket(w, r)
	case strings.HasPrefix(path, "/history/") && get:
		s.getHistory(w, strings.TrimPrefix(path, "/history/"))
	case path == "/view" && get:
		s.view(w, r)
	case strings.HasPrefix(path, "/object_info/") && get:
		out := map[string]any{}
		name := strings.TrimPrefix(path, "/object_info/")
		if nc, ok := s.classes[name]; ok {
			out[name] = objectInfo(name, nc)
		}
		writeJSON(w, http.StatusOK, out)
	case path == "/interrupt" && post:
		s.interrupt(w, r)
	case path == "/queue" && post:
		s.deleteQueued(w, r)
	default:
		s.plain(w, http.StatusNotFound)
	}
}

// postPrompt decodes, records, validates and queues a prompt, as ComfyUI's post_prompt does.
func (s *Server) postPrompt(w http.ResponseWriter, r *http.Request) {
	var body bytes.Buffer
	_, _ = body.ReadFrom(http.MaxBytesReader(w, r.Body, 64<<20))
	var req struct {
		Prompt   json.RawMessage `json:"prompt"`
		ClientID string          `json:"client_id"`
	}
	p := Prompt{Header: r.Header.Clone(), Body: body.Bytes()}
	decodeErr := json.Unmarshal(p.Body, &req)
	p.ClientID = req.ClientID
	if decodeErr == nil && len(req.Prompt) > 0 {
		dec := json.NewDecoder(bytes.NewReader(req.Prompt))
		dec.UseNumber()
		_ = dec.Decode(&p.Graph)
	}

	s.mu.Lock() // the nth prompt recorded gets the nth behaviour
	b := s.script.Next(s.cfg.fallback)
	i := s.prompts.Add(p)
	s.mu.Unlock()

	if b.RetryAfter != "" {
		w.Header().Set("Retry-After", b.RetryAfter)
	}
	switch {
	case b.Status != 0 && b.Status != http.StatusOK:
		s.plain(w, b.Status)
		return
	case decodeErr != nil:
		// aiohttp's request.json() raises, and the server answers 500 with its own text.
		s.plain(w, http.StatusInternalServerError)
		return
	case p.Graph == nil:
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": apiError("no_prompt", "No prompt provided",
			"No prompt provided", nil), "node_errors": map[string]any{}})
		return
	}
	v := validate(p.Graph, s.classes)
	if !v.ok() {
		nodeErrors := v.nodeErrors
		if nodeErrors == nil {
			nodeErrors = map[string]any{}
		}
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": v.err, "node_errors": nodeErrors})
		return
	}
	j := &job{id: newID(), clientID: req.ClientID, graph: p.Graph, outputs: v.outputs, b: b,
		interrupted: make(chan struct{})}
	s.mu.Lock()
	s.prompts.Update(i, func(p *Prompt) { p.ID = j.id })
	j.number = s.number
	s.number++
	s.queue = append(s.queue, j)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
	s.broadcastStatus()
	writeJSON(w, http.StatusOK, map[string]any{"prompt_id": j.id, "number": j.number, "node_errors": map[string]any{}})
}

func (s *Server) getHistory(w http.ResponseWriter, id string) {
	s.mu.Lock()
	entry, ok := s.history[id]
	s.mu.Unlock()
	out := map[string]any{}
	if ok {
		out[id] = entry
	}
	writeJSON(w, http.StatusOK, out)
}

// view serves a saved picture, refusing the paths ComfyUI refuses.
func (s *Server) view(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	name := q.Get("filename")
	if name == "" {
		s.plain(w, http.StatusNotFound)
		return
	}
	if strings.HasPrefix(name, "/") || strings.Contains(name, "..") || strings.Contains(q.Get("subfolder"), "..") {
		s.plain(w, http.StatusBadRequest)
		return
	}
	typ := q.Get("type")
	if typ == "" {
		typ = "output"
	}
	s.mu.Lock()
	data, ok := s.files[fileKey(typ, q.Get("subfolder"), name)]
	s.mu.Unlock()
	if !ok {
		s.plain(w, http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Content-Disposition", fmt.Sprintf("filename=%q", name))
	_, _ = w.Write(data)
}

// interrupt stops the running prompt: the one named, or whichever runs when none is named.
func (s *Server) interrupt(w http.ResponseWriter, r *http.Request) {
	var req struct {
		PromptID string `json:"prompt_id"`
	}
	_ = json.NewDecoder(r.Body).Decode(&req)
	s.mu.Lock()
	s.interrupts.Add(req.PromptID)
	if j := s.running; j != nil && (req.PromptID == "" || req.PromptID == j.id) {
		j.interrupt()
	}
	s.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

// deleteQueued removes pending prompts by id; a running one is not affected.
func (s *Server) deleteQueued(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Delete []string `json:"delete"`
		Clear  bool     `json:"clear"`
	}
	_ = json.NewDecoder(r.Body).Decode(&req)
	s.mu.Lock()
	for _, id := range req.Delete {
		s.deleted.Add(id)
	}
	s.queue = slices.DeleteFunc(s.queue, func(j *job) bool { return req.Clear || slices.Contains(req.Delete, j.id) })
	s.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

// plain answers an error status with aiohttp's plain-text body and the configured detail.
func (s *Server) plain(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, "%d: %s (%s)", status, http.StatusText(status), s.cfg.errorMessage)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func fileKey(typ, subfolder, name string) string { return typ + "/" + subfolder + "/" + name }
