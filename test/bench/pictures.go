package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/companionhub/companionhub"
	"github.com/companionhub/companionhub/adapter/a1111"
	"github.com/companionhub/companionhub/adapter/imaging"
	"github.com/companionhub/companionhub/adapter/placeholder"
	"github.com/companionhub/companionhub/test/fakes/a1111fake"
	"github.com/companionhub/companionhub/test/fakes/openaifake"
	mediauc "github.com/companionhub/companionhub/usecase/media"
	pictureuc "github.com/companionhub/companionhub/usecase/picture"
	"github.com/companionhub/companionhub/usecase/ratelimit"
)

// The pictures section measures issue 13: a picture turn's added latency over the image backend's
// own, and the bytes a picture adds to the database per image message (pictures_size.go).
//
// Latency. Turns are sent with "image": true to an in-process hub (embedded profile, SQLite) whose
// model is the fake of the chat sections: the reply, eight words, comes at once, and every
// non-streamed call — the scene analysis, the picture prompt's tags, memory extraction — gets the
// analysis JSON, which the picture prompt finds no tags in, so the template prompt is used (one
// fake model call, no more). Two image backends:
//
//   - a1111: AUTOMATIC1111's API (test/fakes/a1111fake) rendering a1111.DefaultOptions().Steps
//     steps of picA1111Step each, a PNG of the reply picture's 832×1216, served behind a front
//     that times every txt2img request (arrival → answer written: the fake's own render). Its
//     baseline is the a1111 adapter alone, configured as the hub configures it, calling
//     Generate with the hub's request size against the same front, as many times: the backend's
//     own time as the hub's adapter sees it (HTTP, base64, progress polls included).
//   - offline: the placeholder backend (no network), whose baseline is placeholder.Generate alone.
//
// A turn is timed at the client, from the send (POST …/messages) to the events it reads: state
// (the reply and its scene are saved; the picture step starts after it), image (the picture is
// there) and complete (after image). Rows: send → image, the whole picture turn; state → image,
// the picture step as the client sees it — the picture prompt (the fake model's answer included),
// the render, checking and re-encoding the picture and its 384 px thumbnail, storing both blobs,
// the media and pictures rows, setting the message's image, the progress writes and the event;
// each against the baseline at the same percentile, the hub's added time (hub − baseline) in the
// name. Beside them, what most of the added time is: checking and re-encoding the backend's
// picture and making its thumbnail with the image processor alone (adapter/imaging, as the use
// case calls it, on the baseline's last picture). For a1111 a last row takes the fake's own render
// out turn by turn — state → image minus that turn's txt2img — the hub's whole part of the picture
// step, the adapter's included, with no baseline subtracted. The clients and the hub share the
// machine's cores, as in the other sections.
func init() {
	sections = append(sections, section{name: "pictures", unit: "turn", run: runPictures})
}

const (
	// picA1111Step is the fake's time per sampling step: 28 steps make a 280 ms render, long
	// enough for the adapter's progress poll (every 250 ms) to report once, as on a real server.
	picA1111Step = 10 * time.Millisecond
	// picSamples turns (and baseline renders) are measured per backend, after picWarmup unmeasured
	// ones. An a1111 turn lasts about 0.4 s; an offline one is CPU-bound, its drawing and
	// re-encoding.
	picSamples = 60
	picWarmup  = 3
	// picWidth × picHeight is what the hub asks for a reply's picture (usecase/picture).
	picWidth, picHeight = 832, 1216
	picText             = "Show me the sky from the rooftop."
)

// picBackend is one image backend measured: how a hub is pointed at it, and its baseline.
type picBackend struct {
	name     string
	own      string // what the backend's own time is, for the row names
	tune     func(*companionhub.Config)
	generate func(context.Context) ([]byte, error) // one render through the adapter alone
	renders  chan time.Duration                    // the fake's own render of every txt2img (nil: not timed)
}

func runPictures(ctx context.Context, opts options) ([]row, error) {
	tb := &openaifake.Standalone{}
	defer tb.Close()
	front := newTimedA1111(tb)
	defer front.srv.Close()
	steps := a1111.DefaultOptions().Steps
	ad := a1111.DefaultConfig()
	ad.BaseURL = front.srv.URL
	client, err := a1111.New(ad, nil)
	if err != nil {
		return nil, err
	}
	offline := placeholder.New()
	req := pictureuc.Request{Prompt: "masterpiece, best quality, 1girl, silver hair, violet eyes, navy cardigan, white blouse, " +
		"observatory rooftop, looking through the telescope, moonlight, night sky, stars",
		NegativePrompt: "lowres, bad anatomy, bad hands, text, error", Width: picWidth, Height: picHeight, Seed: -1}
	noProgress := func(pictureuc.Progress) {}
	backends := []picBackend{
		{name: "a1111", own: fmt.Sprintf("fake renders %d steps × %s", steps, picA1111Step), renders: front.renders,
			tune: func(c *companionhub.Config) { c.Images.Provider, c.Images.BaseURL = "a1111", front.srv.URL },
			generate: func(ctx context.Context) ([]byte, error) {
				res, err := client.Generate(ctx, req, noProgress)
				return res.Data, err
			}},
		{name: "offline", own: "placeholder draws in process",
			tune: func(c *companionhub.Config) { c.Images.Provider = "offline" },
			generate: func(ctx context.Context) ([]byte, error) {
				res, err := offline.Generate(ctx, req, noProgress)
				return res.Data, err
			}},
	}
	var rows []row
	for _, b := range backends {
		more, err := measurePictures(ctx, b)
		rows = append(rows, more...)
		if err != nil {
			return rows, fmt.Errorf("%s: %w", b.name, err)
		}
	}
	more, err := pictureSizes(ctx, opts)
	rows = append(rows, more...)
	return rows, err
}

// measurePictures measures one backend: its baseline, then the hub's turns; and, for the offline
// backend, the bytes its pictures take in the hub's SQLite database.
func measurePictures(ctx context.Context, b picBackend) ([]row, error) {
	var base []time.Duration
	var data []byte
	for i := range picWarmup + picSamples {
		start := time.Now()
		var err error
		if data, err = b.generate(ctx); err != nil {
			return nil, fmt.Errorf("baseline: %w", err)
		}
		if i >= picWarmup {
			base = append(base, time.Since(start))
		}
	}
	b50, b99 := percentile(base, 50), percentile(base, 99)
	rows := []row{
		{name: fmt.Sprintf("%s adapter alone, Generate %d×%d (%s), p50", b.name, picWidth, picHeight, b.own), result: once(b50)},
		{name: fmt.Sprintf("%s adapter alone, Generate p99", b.name), result: once(b99)},
	}
	reencode, err := reencodeTimes(ctx, data)
	if err != nil {
		return rows, err
	}
	fake := newFakeLLM(
		[]openaifake.Option{openaifake.WithReply(openaifake.Words(8)), openaifake.WithoutRecording()},
		[]openaifake.Option{openaifake.WithJSONReply(analysisReply), openaifake.WithoutRecording()})
	defer fake.close()
	h, err := startHub(ctx, fake, func(c *companionhub.Config) {
		c.RateLimits.Image.Limit = ratelimit.Limit{Count: 1_000_000, Period: time.Minute}
		b.tune(c)
	})
	if err != nil {
		return rows, err
	}
	defer h.stop()
	comp, err := h.createCompanion(ctx)
	if err != nil {
		return rows, err
	}
	var whole, step, own []time.Duration
	for i := range picWarmup + picSamples {
		drainDurations(b.renders)
		run, err := h.pictureTurn(ctx, comp)
		if err != nil {
			return rows, err
		}
		if i < picWarmup {
			continue
		}
		whole = append(whole, run.image.Sub(run.posted))
		step = append(step, run.image.Sub(run.saved))
		if b.renders != nil {
			select {
			case d := <-b.renders:
				own = append(own, run.image.Sub(run.saved)-d)
			case <-time.After(time.Second):
				return rows, errors.New("the fake timed no render for the turn")
			}
		}
	}
	for _, p := range []float64{50, 99} {
		w, s, bp := percentile(whole, p), percentile(step, p), percentile(base, p)
		rows = append(rows,
			row{name: fmt.Sprintf("%s: send → image SSE event, p%.0f (added %.1f ms)", b.name, p, ms(w-bp)),
				result: once(w), baseline: fmt.Sprintf("adapter p%.0f", p), base: once(bp)},
			row{name: fmt.Sprintf("%s: reply saved (state event) → image event, p%.0f (added %.1f ms)", b.name, p, ms(s-bp)),
				result: once(s), baseline: fmt.Sprintf("adapter p%.0f", p), base: once(bp)})
	}
	rows = append(rows, row{name: fmt.Sprintf("%s:   of which checking and re-encoding the picture and its thumbnail (imaging alone), p50 (p99 %.1f ms)",
		b.name, ms(percentile(reencode, 99))), result: once(percentile(reencode, 50))})
	if len(own) > 0 {
		rows = append(rows, row{name: fmt.Sprintf("%s: state → image minus the fake's own txt2img, per turn, p50 (p99 %.1f ms)",
			b.name, ms(percentile(own, 99))), result: once(percentile(own, 50))})
	}
	if b.name == "offline" {
		more, err := sqliteSizes(ctx, h, comp)
		rows = append(rows, more...)
		if err != nil {
			return rows, fmt.Errorf("sqlite sizes: %w", err)
		}
	}
	return rows, nil
}

// reencodeTimes times what the picture use case does with a backend's picture before storing it,
// picSamples times: the image processor checking and re-encoding it, then making its thumbnail.
func reencodeTimes(ctx context.Context, data []byte) ([]time.Duration, error) {
	proc := imaging.New()
	var out []time.Duration
	for range picSamples {
		start := time.Now()
		img, err := proc.Process(ctx, data, mediauc.PictureFit, mediauc.AllowBytes(mediauc.MaxGeneratedBytes))
		if err == nil {
			_, err = proc.Process(ctx, img.Data, pictureuc.ThumbFit)
		}
		if err != nil {
			return out, fmt.Errorf("re-encode: %w", err)
		}
		out = append(out, time.Since(start))
	}
	return out, nil
}

// timedA1111 is the a1111 fake behind a front of its own that times every txt2img request.
type timedA1111 struct {
	srv     *httptest.Server
	renders chan time.Duration
}

func newTimedA1111(tb *openaifake.Standalone) *timedA1111 {
	fake := a1111fake.New(tb, a1111fake.WithStepDuration(picA1111Step))
	t := &timedA1111{renders: make(chan time.Duration, 256)}
	t.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		fake.ServeHTTP(w, r)
		if r.URL.Path == a1111fake.API+"/txt2img" {
			offer(t.renders, time.Since(start))
		}
	}))
	return t
}

// drainDurations forgets the timings recorded so far (nil: nothing to forget).
func drainDurations(ch chan time.Duration) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}

// pictureRun is what a client saw of one picture turn.
type pictureRun struct {
	posted time.Time // the send request started
	saved  time.Time // the state event (the reply saved) was read
	image  time.Time // the image event was read
	done   time.Time // the complete event was read
}

// pictureTurn sends text asking for a picture and follows the turn's events to its end; a turn
// without its state and image events, or whose picture failed, is an error.
func (h *benchHub) pictureTurn(ctx context.Context, companionID string) (*pictureRun, error) {
	run := &pictureRun{posted: time.Now()}
	var sent struct {
		Turn struct {
			EventsURL string `json:"events_url"`
		} `json:"turn"`
	}
	if err := h.do(ctx, "POST", "/api/v1/companions/"+companionID+"/messages",
		map[string]any{"text": picText, "image": true}, http.StatusAccepted, &sent); err != nil {
		return run, err
	}
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
	var failure string
	err = readSSE(res.Body, func(e sseEvent) (bool, error) {
		now := time.Now()
		var data struct {
			Code  string `json:"code"`
			Error string `json:"error"`
		}
		switch e.typ {
		case "state":
			run.saved = now
		case "image":
			run.image = now
			if err := json.Unmarshal(e.data, &data); err != nil {
				return false, fmt.Errorf("image event: %w", err)
			}
			if data.Error != "" {
				failure = "picture failed: " + data.Code + ": " + data.Error
			}
		case "complete":
			run.done = now
			return false, nil
		case "error":
			run.done = now
			failure = "turn failed: " + strings.TrimSpace(string(e.data))
			return false, nil
		}
		return true, nil
	})
	switch {
	case err != nil:
		return run, err
	case failure != "":
		return run, errors.New(failure)
	case run.done.IsZero():
		return run, errors.New("the event stream ended before the turn did")
	case run.saved.IsZero() || run.image.IsZero():
		return run, errors.New("the turn ended without its state or image event")
	}
	return run, nil
}
