package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap/zapcore"

	"github.com/companionhub/companionhub"
	"github.com/companionhub/companionhub/adapter/zaplog"
	"github.com/companionhub/companionhub/test/fakes/openaifake"
	"github.com/companionhub/companionhub/usecase/ratelimit"
)

// benchHub is an embedded hub served on loopback, with a signed-in client.
type benchHub struct {
	hub   *companionhub.Hub
	cfg   companionhub.Config
	base  string // http://127.0.0.1:port
	http  *http.Client
	token string
	stop  func()
}

// startHub builds a hub over a fresh data directory, pointed at the fake model, and signs up one
// person. tune adjusts the configuration (nil: the embedded defaults, rate limits aside). The hub
// logs as in production (JSON, info level), into the void, so that logging is part of the cost.
func startHub(ctx context.Context, llm interface{ URL() string }, tune func(*companionhub.Config)) (*benchHub, error) {
	dir, err := os.MkdirTemp("", "companionhub-bench-chat-")
	if err != nil {
		return nil, err
	}
	cfg := companionhub.DefaultConfig()
	cfg.DataDir = dir
	cfg.HTTP.Addr = "127.0.0.1:0"
	cfg.LLM.BaseURL = llm.URL()
	cfg.LLM.Model = openaifake.DefaultModel
	// The benchmarks send faster than people do: limits would measure refusals, not the hub.
	unlimited := ratelimit.Limit{Count: 1_000_000, Period: time.Minute} // the finest limit the config accepts is 1/µs
	cfg.RateLimits.Chat.Limit, cfg.RateLimits.CompanionCreate.Limit, cfg.RateLimits.Register.Limit = unlimited, unlimited, unlimited
	cfg.RateLimits.Login.Limit, cfg.RateLimits.LoginIP.Limit = unlimited, unlimited
	if tune != nil {
		tune(&cfg)
	}
	log, err := zaplog.New(cfg.Log, zapcore.AddSync(io.Discard))
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	hub, err := companionhub.New(ctx, cfg, log)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("new hub: %w", err)
	}
	ln, err := net.Listen("tcp", cfg.HTTP.Addr)
	if err != nil {
		hub.Close()
		_ = os.RemoveAll(dir)
		return nil, err
	}
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = hub.Serve(sctx, ln)
	}()
	// On the Temporal profile a worker, in this process, runs the turns the hub starts.
	stopWorker := func() {}
	if cfg.TurnRunner == "temporal" {
		w, err := companionhub.NewWorker(ctx, cfg, log)
		if err != nil {
			cancel()
			<-served
			hub.Close()
			_ = os.RemoveAll(dir)
			return nil, fmt.Errorf("new worker: %w", err)
		}
		wctx, stopW := context.WithCancel(context.WithoutCancel(ctx))
		worked := make(chan struct{})
		go func() {
			defer close(worked)
			_ = w.Run(wctx)
		}()
		stopWorker = func() {
			stopW()
			<-worked
			w.Close()
		}
	}
	tr := &http.Transport{
		// One connection per concurrent turn (the POST, then its event stream) and then some.
		MaxIdleConns:        0,
		MaxIdleConnsPerHost: 4096,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	h := &benchHub{hub: hub, cfg: cfg, base: "http://" + ln.Addr().String(), http: &http.Client{Transport: tr}}
	h.stop = func() {
		stopWorker()
		cancel()
		<-served
		hub.Close()
		tr.CloseIdleConnections()
		_ = os.RemoveAll(dir)
	}
	if err := h.signUp(ctx); err != nil {
		h.stop()
		return nil, err
	}
	return h, nil
}

// do sends a JSON request and decodes a JSON answer into out (when not nil); a status other than
// want is an error quoting the body.
func (h *benchHub) do(ctx context.Context, method, path string, body any, want int, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, h.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if h.token != "" {
		req.Header.Set("Authorization", "Bearer "+h.token)
	}
	res, err := h.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode != want {
		return fmt.Errorf("%s %s: status %d: %s", method, path, res.StatusCode, data)
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

const benchPassword = "saffron-harbour-lighthouse-81"

func (h *benchHub) signUp(ctx context.Context) error {
	if err := h.do(ctx, "POST", "/api/v1/auth/register", map[string]string{"email": "bench@example.com",
		"username": "bench", "display_name": "Bench", "password": benchPassword}, http.StatusCreated, nil); err != nil {
		return err
	}
	var out struct {
		Token string `json:"token"`
	}
	if err := h.do(ctx, "POST", "/api/v1/auth/login", map[string]string{"identifier": "bench", "password": benchPassword},
		http.StatusOK, &out); err != nil {
		return err
	}
	h.token = out.Token
	return nil
}

// benchProfile is a companion with every part of the persona filled in, so prompts are full-sized.
const benchProfile = `{
  "name": "Mira Vale", "age": 26, "content_rating": "mature",
  "persona": {"archetype": "Kuudere", "relationship_to_user": "Neighbor", "occupation": "Astronomer",
    "description": "Mira watches stars from the rooftop of the old observatory.\n\nShe rarely smiles, but when she does it lasts.",
    "personality": "calm, dry, observant", "scenario": "A rooftop on a clear night",
    "interests": ["Telescopes", "Tea"], "speech_style": "Formal", "speech_patterns": ["well..."],
    "behavior_traits": ["Reserved"], "initiation_style": "Waiting & Reactive", "confidence_level": "Balanced",
    "emotional_traits": ["Stoic"], "vulnerabilities": ["Fears being abandoned"], "quirks": ["Counts stars"],
    "flirtation_style": "Subtle", "humor_style": "Dry & Sarcastic", "intimacy_pace": "Slow Burn",
    "custom_instruction": "Keep it gentle."},
  "appearance": {"style": "anime", "gender": "female", "ethnicity": "Japanese", "skin_tone": "pale",
    "eye_color": "violet", "hair_style": "long straight", "hair_color": "silver", "body_type": "slim",
    "height": "tall", "tags": ["beauty mark"]},
  "default_outfit": ["navy cardigan", "white blouse"], "user_appearance": "Short, messy hair",
  "greeting": "You came.", "example_dialogue": "<START>\n{{user}}: Still up?\n{{char}}: The sky does not sleep. Neither do I.",
  "system_prompt": "Stay in character.", "post_history_instructions": "Be brief.", "tags": ["slice of life"]
}`

// analysisReply is what the fake answers the scene analysis: a reading the hub accepts.
const analysisReply = `{"reasoning":"nothing changed","outfit":"navy cardigan, white blouse","location":"observatory rooftop",` +
	`"action_summary":"looking through the telescope","is_user_present":true,"expression":"soft smile",` +
	`"lighting":"moonlight","visual_tags":"night sky, stars","mood":"neutral"}`

func (h *benchHub) createCompanion(ctx context.Context) (string, error) {
	var out struct {
		Companion struct {
			ID string `json:"id"`
		} `json:"companion"`
	}
	if err := h.do(ctx, "POST", "/api/v1/companions", json.RawMessage(benchProfile), http.StatusCreated, &out); err != nil {
		return "", err
	}
	return out.Companion.ID, nil
}

// turnRun is what a client saw of one turn.
type turnRun struct {
	turnID     string
	posted     time.Time // the send request started
	firstToken time.Time // the first token event was read
	done       time.Time // the terminal event was read
	text       strings.Builder
	complete   string // the saved reply, as the complete event says
	failure    string // the error event's code, when the turn failed
	events     int
	seqGaps    int // events whose id is not the previous one's plus one
	resets     int
}

// runTurn sends text to a companion and follows the turn's events to its end.
func (h *benchHub) runTurn(ctx context.Context, companionID, text string) (*turnRun, error) {
	run := &turnRun{posted: time.Now()}
	var sent struct {
		Turn struct {
			EventsURL string `json:"events_url"`
		} `json:"turn"`
	}
	if err := h.do(ctx, "POST", "/api/v1/companions/"+companionID+"/messages", map[string]string{"text": text},
		http.StatusAccepted, &sent); err != nil {
		return run, err
	}
	run.turnID = strings.TrimSuffix(strings.TrimPrefix(sent.Turn.EventsURL, "/api/v1/turns/"), "/events")
	req, err := http.NewRequestWithContext(ctx, "GET", h.base+sent.Turn.EventsURL, nil)
	if err != nil {
		return run, err
	}
	req.Header.Set("Authorization", "Bearer "+h.token)
	req.Header.Set("Accept", "text/event-stream")
	res, err := h.http.Do(req)
	if err != nil {
		return run, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return run, fmt.Errorf("GET %s: status %d", sent.Turn.EventsURL, res.StatusCode)
	}
	var last int64
	err = readSSE(res.Body, func(e sseEvent) (bool, error) {
		run.events++
		if e.id != last+1 {
			run.seqGaps++
		}
		last = e.id
		var data struct {
			Text string `json:"text"`
			Code string `json:"code"`
		}
		if err := json.Unmarshal(e.data, &data); err != nil {
			return false, fmt.Errorf("event %d (%s): %w", e.id, e.typ, err)
		}
		switch e.typ {
		case "token":
			if run.firstToken.IsZero() {
				run.firstToken = time.Now()
			}
			run.text.WriteString(data.Text)
		case "reset":
			run.resets++
			run.text.Reset()
		case "complete":
			run.done, run.complete = time.Now(), data.Text
			return false, nil
		case "error":
			run.done, run.failure = time.Now(), data.Code
			return false, nil
		}
		return true, nil
	})
	if err != nil {
		return run, err
	}
	if run.done.IsZero() {
		return run, errors.New("the event stream ended before the turn did")
	}
	if run.failure != "" {
		return run, fmt.Errorf("turn failed: %s", run.failure)
	}
	return run, nil
}

// sseEvent is one server-sent event.
type sseEvent struct {
	id   int64
	typ  string
	data []byte
}

// readSSE reads events until fn says stop, fn fails, or the stream ends. Comments and retry
// fields are skipped.
func readSSE(r io.Reader, fn func(sseEvent) (bool, error)) error {
	br := bufio.NewReaderSize(r, 64<<10) // a complete event holds the whole reply (≤ 32 000 bytes)
	var e sseEvent
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		line = bytes.TrimRight(line, "\r\n")
		switch {
		case len(line) == 0:
			if e.typ != "" {
				more, err := fn(e)
				if err != nil || !more {
					return err
				}
			}
			e = sseEvent{}
		case bytes.HasPrefix(line, []byte("id: ")):
			id, err := strconv.ParseInt(string(line[4:]), 10, 64)
			if err != nil {
				return fmt.Errorf("event id %q: %w", line[4:], err)
			}
			e.id = id
		case bytes.HasPrefix(line, []byte("event: ")):
			e.typ = string(line[7:])
		case bytes.HasPrefix(line, []byte("data: ")):
			if e.data != nil {
				e.data = append(e.data, '\n')
			}
			e.data = append(e.data, line[6:]...)
		}
	}
}
