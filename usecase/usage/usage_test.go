package usage_test

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/test/clocktest"
	"github.com/companionhub/companionhub/test/contract/usagestoretest"
	"github.com/companionhub/companionhub/usecase"
	"github.com/companionhub/companionhub/usecase/correlation"
	"github.com/companionhub/companionhub/usecase/llm"
	"github.com/companionhub/companionhub/usecase/picture"
	"github.com/companionhub/companionhub/usecase/usage"
	"github.com/companionhub/companionhub/usecase/voice"
)

// memStore is an in-memory usage.Store for the use cases' tests; it passes the conformance suite
// the real stores pass (TestMemStoreConforms).
type memStore struct {
	mu        sync.Mutex
	users     map[domain.ID]bool
	kept      map[usage.Key]int64
	overrides map[domain.ID]usage.Limits
	fail      error
	adds      int
}

func newMemStore() *memStore {
	return &memStore{users: map[domain.ID]bool{}, kept: map[usage.Key]int64{}, overrides: map[domain.ID]usage.Limits{}}
}

// user makes a person.
func (s *memStore) user() domain.ID {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := domain.NewID(time.Now())
	s.users[id] = true
	return id
}

func (s *memStore) deleteUser(id domain.ID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.users, id)
	delete(s.overrides, id)
}

func (s *memStore) Add(_ context.Context, entries []usage.Entry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	s.adds++
	for _, e := range entries {
		if e.UserID != "" {
			id, err := domain.ParseID(e.UserID)
			if err != nil || !s.users[id] {
				continue // not a person (any more)
			}
		}
		s.kept[e.Key] += e.Amount
	}
	return nil
}

func (s *memStore) Entries(_ context.Context, f usage.Filter) ([]usage.Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []usage.Entry{}
	for k, n := range s.kept {
		if k.Day >= f.From && k.Day <= f.To && (f.UserID == "" || k.UserID == f.UserID) {
			out = append(out, usage.Entry{Key: k, Amount: n})
		}
	}
	slices.SortFunc(out, func(a, b usage.Entry) int {
		return cmp.Or(cmp.Compare(a.Day, b.Day), cmp.Compare(a.UserID, b.UserID), cmp.Compare(a.CompanionID, b.CompanionID),
			cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Provider, b.Provider), cmp.Compare(a.Model, b.Model))
	})
	return out, nil
}

func (s *memStore) Used(_ context.Context, userID string, day usage.Day) (map[usage.Kind]int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[usage.Kind]int64{}
	for k, n := range s.kept {
		if k.UserID == userID && k.Day == day {
			out[k.Kind] += n
		}
	}
	return out, nil
}

func (s *memStore) Overrides(_ context.Context, id domain.ID) (usage.Limits, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.overrides[id], nil
}

func (s *memStore) SetOverrides(_ context.Context, id domain.ID, l usage.Limits) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.users[id] {
		return usage.ErrNoSuchUser
	}
	if l == (usage.Limits{}) {
		delete(s.overrides, id)
		return nil
	}
	s.overrides[id] = l
	return nil
}

func TestMemStoreConforms(t *testing.T) {
	t.Parallel()
	usagestoretest.Run(t, func(t *testing.T) usagestoretest.Env {
		s := newMemStore()
		return usagestoretest.Env{Store: s, NewUser: func(*testing.T) domain.ID { return s.user() },
			DeleteUser: func(_ *testing.T, id domain.ID) { s.deleteUser(id) }}
	})
}

var noon = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

func forUser(u domain.ID, companion string) context.Context {
	return correlation.WithSubject(context.Background(), correlation.Subject{UserID: u.String(), CompanionID: companion})
}

func n(v int64) *int64 { return &v }

func TestMeterCountsUntilItWritesAndKeepsWhatFailed(t *testing.T) {
	t.Parallel()
	store, clock := newMemStore(), clocktest.New(noon)
	m := usage.NewMeter(store, clock, time.Hour, nil) // only the test flushes
	u := store.user()
	ctx := forUser(u, "c1")
	m.Record(ctx, usage.PromptTokens, "openai", "gpt", 100)
	m.Record(ctx, usage.PromptTokens, "openai", "gpt", 20)
	m.Record(ctx, usage.Pictures, "a1111", "512x512", 0) // nothing
	require.Equal(t, map[usage.Kind]int64{usage.PromptTokens: 120}, m.Pending(u.String(), usage.DayOf(noon)))

	store.fail = errors.New("database down")
	require.Error(t, m.Flush(context.Background()))
	require.Equal(t, int64(120), m.Pending(u.String(), usage.DayOf(noon))[usage.PromptTokens], "kept for the next write")

	store.fail = nil
	require.NoError(t, m.Flush(context.Background()))
	require.Empty(t, m.Pending(u.String(), usage.DayOf(noon)))
	used, err := store.Used(context.Background(), u.String(), usage.DayOf(noon))
	require.NoError(t, err)
	require.Equal(t, int64(120), used[usage.PromptTokens], "written once")

	m.Record(ctx, usage.CompletionTokens, "openai", "gpt", 7)
	require.NoError(t, m.Close(context.Background()), "closing writes what remains")
	used, _ = store.Used(context.Background(), u.String(), usage.DayOf(noon))
	require.Equal(t, int64(7), used[usage.CompletionTokens])
	require.Equal(t, 2, store.adds)
}

func TestTheMeterWritesOnItsOwn(t *testing.T) {
	t.Parallel()
	store := newMemStore()
	m := usage.NewMeter(store, clocktest.New(noon), time.Second, nil)
	t.Cleanup(func() { _ = m.Close(context.Background()) })
	u := store.user()
	m.Record(forUser(u, ""), usage.SpeechCharacters, "tones", "", 42)
	require.Eventually(t, func() bool {
		used, _ := store.Used(context.Background(), u.String(), usage.DayOf(noon))
		return used[usage.SpeechCharacters] == 42
	}, 10*time.Second, 10*time.Millisecond)
}

func TestGateRefusesAUsedUpQuotaUntilMidnight(t *testing.T) {
	t.Parallel()
	store, clock := newMemStore(), clocktest.New(noon)
	m := usage.NewMeter(store, clock, time.Hour, nil)
	t.Cleanup(func() { _ = m.Close(context.Background()) })
	gate := usage.Gate{Store: store, Meter: m, Clock: clock, Defaults: usage.Limits{Tokens: n(100), Pictures: n(0)}}
	u, other := store.user(), store.user()
	ctx := context.Background()
	require.NoError(t, gate.Allow(ctx, u, usage.QuotaTokens))

	m.Record(forUser(u, ""), usage.PromptTokens, "openai", "gpt", 60)
	require.NoError(t, gate.Allow(ctx, u, usage.QuotaTokens), "60 of 100")
	m.Record(forUser(u, ""), usage.CompletionTokens, "openai", "gpt", 40)
	err := gate.Allow(ctx, u, usage.QuotaTokens)
	require.True(t, usecase.IsQuotaExceeded(err), "100 of 100, not yet written: %v", err)
	require.Equal(t, domain.KindRateLimited, domain.KindOf(err))
	require.Equal(t, 12*time.Hour, domain.AsError(err).RetryAfter, "until midnight UTC")
	require.NoError(t, gate.Allow(ctx, other, usage.QuotaTokens), "quotas are a person's own")

	for range 1000 {
		m.Record(forUser(u, ""), usage.Pictures, "a1111", "512x512", 1)
	}
	require.NoError(t, gate.Allow(ctx, u, usage.QuotaPictures), "0 is no limit")

	require.NoError(t, store.SetOverrides(ctx, u, usage.Limits{Tokens: n(0)}))
	require.NoError(t, gate.Allow(ctx, u, usage.QuotaTokens), "an override of 0 lifts the limit")
	require.NoError(t, store.SetOverrides(ctx, u, usage.Limits{Tokens: n(500)}))
	require.NoError(t, gate.Allow(ctx, u, usage.QuotaTokens))

	clock.Advance(12 * time.Hour) // a new day
	require.NoError(t, store.SetOverrides(ctx, u, usage.Limits{}))
	require.NoError(t, gate.Allow(ctx, u, usage.QuotaTokens), "yesterday's tokens count no more")
	standings, err := gate.Standings(ctx, u)
	require.NoError(t, err)
	require.Equal(t, usage.Standing{Quota: usage.QuotaTokens, Limit: 100, Used: 0, ResetsAt: noon.Add(36 * time.Hour)}, standings[0])
}

func TestReportsPriceAndBoundTheirSpan(t *testing.T) {
	t.Parallel()
	store, clock := newMemStore(), clocktest.New(noon)
	prices := usage.Prices{Currency: "USD", Prices: []usage.Price{
		{Kind: usage.PromptTokens, PerMillion: 2},
		{Kind: usage.PromptTokens, Provider: "openai", Model: "gpt-big", PerMillion: 10},
		{Kind: usage.Pictures, Provider: "a1111", PerUnit: 0.01}}}
	app, err := usage.NewApp(usage.Deps{Store: store, Clock: clock, Prices: prices})
	require.NoError(t, err)
	u, someone := store.user(), store.user()
	ctx := context.Background()
	yesterday := usage.DayOf(noon.AddDate(0, 0, -1))
	require.NoError(t, store.Add(ctx, []usage.Entry{
		{Key: usage.Key{Day: yesterday, UserID: u.String(), CompanionID: "a", Kind: usage.PromptTokens, Provider: "openai", Model: "gpt-big"}, Amount: 1_000_000},
		{Key: usage.Key{Day: yesterday, UserID: u.String(), CompanionID: "b", Kind: usage.PromptTokens, Provider: "openai", Model: "gpt-big"}, Amount: 500_000},
		{Key: usage.Key{Day: usage.DayOf(noon), UserID: u.String(), Kind: usage.PromptTokens, Provider: "ollama", Model: "llama"}, Amount: 1_000_000},
		{Key: usage.Key{Day: usage.DayOf(noon), UserID: u.String(), Kind: usage.Pictures, Provider: "a1111", Model: "512x512"}, Amount: 3},
		{Key: usage.Key{Day: usage.DayOf(noon), UserID: someone.String(), Kind: usage.Pictures, Provider: "a1111", Model: "512x512"}, Amount: 50},
	}))
	r, err := app.Mine.Handle(ctx, usage.Mine{UserID: u})
	require.NoError(t, err)
	require.Equal(t, usage.DayOf(noon.AddDate(0, 0, -29)), r.From)
	require.Equal(t, "USD", r.Currency)
	require.Len(t, r.Lines, 3, "a person's own lines, companions together: %+v", r.Lines)
	require.Equal(t, usage.Line{Key: usage.Key{Day: yesterday, Kind: usage.PromptTokens, Provider: "openai", Model: "gpt-big"},
		Amount: 1_500_000, Cost: 15}, r.Lines[0])
	require.InDelta(t, 2.0, r.Lines[2].Cost, 1e-9, "the kind's price where the model has none: %+v", r.Lines[2])
	require.InDelta(t, 0.03, r.Lines[1].Cost, 1e-9)
	require.InDelta(t, 17.03, r.Cost, 1e-9)
	require.Equal(t, []usage.Total{{Kind: usage.PromptTokens, Amount: 2_500_000, Cost: 17}, {Kind: usage.Pictures, Amount: 3, Cost: 0.03}},
		roundTotals(r.Totals))

	all, err := app.All.Handle(ctx, usage.All{From: string(usage.DayOf(noon)), To: string(usage.DayOf(noon))})
	require.NoError(t, err)
	require.Len(t, all.Lines, 3, "everyone's, by person")

	for _, bad := range []usage.Mine{{UserID: u, From: "12/06/2026"}, {UserID: u, From: "2026-12-06", To: "2026-12-01"},
		{UserID: u, From: "2024-01-01", To: "2026-01-01"}} {
		_, err := app.Mine.Handle(ctx, bad)
		require.Equal(t, domain.KindInvalid, domain.KindOf(err), "%+v: %v", bad, err)
	}
	require.ErrorContains(t, usage.Prices{Prices: []usage.Price{{Kind: "gold", PerUnit: 1}}}.Validate(), "gold")
	require.Error(t, usage.Prices{Prices: []usage.Price{{Kind: usage.Pictures, PerUnit: -1}}}.Validate())
}

func roundTotals(ts []usage.Total) []usage.Total {
	for i := range ts {
		ts[i].Cost = float64(int64(ts[i].Cost*1e6+0.5)) / 1e6
	}
	return ts
}

// callLog is a CallObserver that keeps what it heard.
type callLog struct {
	mu    sync.Mutex
	calls []string
}

func (l *callLog) Begin(ctx context.Context, c usage.Call) (context.Context, func(time.Duration, error)) {
	return ctx, func(_ time.Duration, err error) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.calls = append(l.calls, c.Feature+" "+c.Provider+" "+c.Operation+" "+c.Model+" "+domain.KindOf(err).String()+map[bool]string{true: " ok"}[err == nil])
	}
}

type model struct {
	usage llm.Usage
	err   error
}

func (m model) Stream(_ context.Context, _ llm.Request, onText func(string) error) (llm.Usage, error) {
	if err := onText("Hello there, friend!"); err != nil { // 20 bytes
		return llm.Usage{}, err
	}
	return m.usage, m.err
}

func (m model) Complete(_ context.Context, _ llm.Request) (string, llm.Usage, error) {
	return "Fine.", m.usage, m.err
}

type generator struct{ err error }

func (g generator) Generate(context.Context, picture.Request, func(picture.Progress)) (picture.Result, error) {
	return picture.Result{Data: []byte("png")}, g.err
}

func (generator) Samplers(context.Context) ([]string, error) { return []string{"Euler a"}, nil }

type transcriber struct{}

func (transcriber) Transcribe(context.Context, voice.Recording) (voice.Transcript, error) {
	return voice.Transcript{Text: "hello"}, nil
}

// wav is a silent 8 kHz, 8-bit mono WAV that plays for d.
func wav(d time.Duration) []byte {
	n := int(d.Seconds() * 8000)
	b := make([]byte, 44+n)
	le := binary.LittleEndian
	copy(b, "RIFF")
	le.PutUint32(b[4:], uint32(36+n))
	copy(b[8:], "WAVEfmt ")
	le.PutUint32(b[16:], 16)
	le.PutUint16(b[20:], 1)    // PCM
	le.PutUint16(b[22:], 1)    // mono
	le.PutUint32(b[24:], 8000) // samples a second
	le.PutUint32(b[28:], 8000) // bytes a second
	le.PutUint16(b[32:], 1)
	le.PutUint16(b[34:], 8)
	copy(b[36:], "data")
	le.PutUint32(b[40:], uint32(n))
	return b
}

type synth struct{}

func (synth) Synthesize(context.Context, voice.Request) (voice.Audio, error) {
	return voice.Audio{}, nil
}
func (synth) Voices(context.Context) ([]voice.Voice, error) { return []voice.Voice{{ID: "v1"}}, nil }

func TestInstrumentsCountEveryCallOnce(t *testing.T) {
	t.Parallel()
	store, clock := newMemStore(), clocktest.New(noon)
	m := usage.NewMeter(store, clock, time.Hour, nil)
	t.Cleanup(func() { _ = m.Close(context.Background()) })
	log := &callLog{}
	in := usage.Instruments{Meter: m, Observers: []usage.CallObserver{log}, Tokens: func(s string) int { return len(strings.Fields(s)) }}
	u := store.user()
	ctx := forUser(u, "c1")
	req := llm.Request{Messages: []llm.Message{{Role: llm.System, Content: "You are Mira"}, {Role: llm.User, Content: "Hi"}}}

	said := in.Model(model{usage: llm.Usage{PromptTokens: 50, CompletionTokens: 5}}, "openai", "gpt")
	_, err := said.Stream(ctx, req, func(string) error { return nil })
	require.NoError(t, err)
	silent := in.Model(model{}, "offline", "offline")
	_, _, err = silent.Complete(ctx, req) // 4 prompt tokens by the counter, "Fine." is 2 by the estimate
	require.NoError(t, err)
	failing := in.Model(model{err: llm.ErrStreamCut}, "openai", "gpt")
	_, err = failing.Stream(ctx, llm.Request{Model: "gpt-other", Messages: req.Messages}, func(string) error { return nil })
	require.ErrorIs(t, err, llm.ErrStreamCut)

	gen := in.Generator(generator{}, "a1111")
	_, err = gen.Generate(ctx, picture.Request{Width: 512, Height: 768}, nil)
	require.NoError(t, err)
	_, err = in.Generator(generator{err: domain.E(domain.KindUnavailable, "down", "down")}, "a1111").Generate(ctx, picture.Request{Width: 512, Height: 768}, nil)
	require.Error(t, err)
	lister, ok := gen.(interface {
		Samplers(context.Context) ([]string, error)
	})
	require.True(t, ok, "a backend's samplers are still listed")
	samplers, _ := lister.Samplers(ctx)
	require.Equal(t, []string{"Euler a"}, samplers)

	sp := in.Synthesizer(synth{}, "elevenlabs")
	_, err = sp.Synthesize(ctx, voice.Request{Text: "Héllo!"})
	require.NoError(t, err)
	_, ok = sp.(voice.Voices)
	require.True(t, ok, "a backend's voices are still listed")
	require.Nil(t, in.Generator(nil, "none"), "a feature without a backend stays without one")
	_, err = in.Transcriber(transcriber{}, "whisper").Transcribe(ctx, voice.Recording{Data: wav(2500 * time.Millisecond), ContentType: media.WAV})
	require.NoError(t, err)

	require.NoError(t, m.Flush(context.Background()))
	r, err := store.Entries(context.Background(), usage.Filter{From: usage.DayOf(noon), To: usage.DayOf(noon)})
	require.NoError(t, err)
	got := map[string]int64{}
	for _, e := range r {
		require.Equal(t, u.String(), e.UserID)
		require.Equal(t, "c1", e.CompanionID)
		got[string(e.Kind)+" "+e.Provider+" "+e.Model] = e.Amount
	}
	require.Equal(t, map[string]int64{
		"prompt_tokens openai gpt": 50, "completion_tokens openai gpt": 5,
		"prompt_tokens offline offline": 4, "completion_tokens offline offline": 2,
		// the cut stream had written 20 bytes: its prompt was read, and its words are counted
		"prompt_tokens openai gpt-other": 4, "completion_tokens openai gpt-other": 5,
		"pictures a1111 512x768":        1,
		"speech_characters elevenlabs ": 6,
		// the backend did not say how long the note was: its WAV header did, 2.5 s, rounded up
		"transcription_seconds whisper ": 3,
	}, got)
	require.Equal(t, []string{"llm openai stream gpt internal ok", "llm offline complete offline internal ok",
		"llm openai stream gpt-other unavailable", "pictures a1111 generate  internal ok", "pictures a1111 generate  unavailable",
		"speech elevenlabs synthesize  internal ok", "transcription whisper transcribe  internal ok"}, log.calls)
}

// Amounts counted while the meter writes are neither lost nor, for a reader adding the store's to
// the meter's under Hold, counted twice.
func TestTheMeterCountsOnceWhileItWrites(t *testing.T) {
	t.Parallel()
	store := newMemStore()
	u := store.user()
	m := usage.NewMeter(store, clocktest.New(noon), time.Hour, nil)
	ctx := forUser(u, "")
	day := usage.DayOf(noon)
	read := func() int64 {
		defer m.Hold()()
		used, err := store.Used(context.Background(), u.String(), day)
		require.NoError(t, err)
		return used[usage.Pictures] + m.Pending(u.String(), day)[usage.Pictures]
	}
	var counting, background sync.WaitGroup
	for range 8 {
		counting.Go(func() {
			for range 500 {
				m.Record(ctx, usage.Pictures, "a1111", "512x512", 1)
			}
		})
	}
	done := make(chan struct{})
	background.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
				if err := m.Flush(context.Background()); err != nil {
					t.Error(err)
				}
			}
		}
	})
	background.Go(func() {
		last := int64(0)
		for {
			select {
			case <-done:
				return
			default:
				n := read()
				if n < last || n > 4000 {
					t.Errorf("read %d after %d: counted twice or lost", n, last)
				}
				last = n
			}
		}
	})
	counting.Wait()
	close(done)
	background.Wait()
	require.NoError(t, m.Close(context.Background()))
	require.Equal(t, int64(4000), read())
	m.Record(ctx, usage.Pictures, "a1111", "512x512", 1) // after the meter closed: written at once
	used, err := store.Used(context.Background(), u.String(), day)
	require.NoError(t, err)
	require.Equal(t, int64(4001), used[usage.Pictures])
}

type panicking struct{ llm.Model }

func (panicking) Complete(context.Context, llm.Request) (string, llm.Usage, error) { panic("a bug") }

// A call that panics still ends for its observers (a span is never left open), and goes on
// panicking for whoever recovers it.
func TestAPanickingCallStillEnds(t *testing.T) {
	t.Parallel()
	log := &callLog{}
	m := usage.Instruments{Observers: []usage.CallObserver{log}}.Model(panicking{}, "openai", "gpt")
	require.PanicsWithValue(t, "a bug", func() { _, _, _ = m.Complete(context.Background(), llm.Request{}) })
	require.Equal(t, []string{"llm openai complete gpt internal"}, log.calls)
}
