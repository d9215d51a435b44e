package fakehttp_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/test/fakes/fakehttp"
)

func TestScript(t *testing.T) {
	t.Parallel()
	var s fakehttp.Script[string]
	assert.Equal(t, "default", s.Next("default"), "an empty script falls back")
	s.Add("a", "b")
	s.Add("c")
	for _, want := range []string{"a", "b", "c", "default", "default"} {
		assert.Equal(t, want, s.Next("default"))
	}
}

func TestLog(t *testing.T) {
	t.Parallel()
	var l fakehttp.Log[int]
	assert.Empty(t, l.All())
	first, second := l.Arrived(1), l.Arrived(2)
	assert.Equal(t, 0, l.Add(10))
	awaittest.Closed(t, first, "the first arrival")
	select {
	case <-second:
		t.Fatal("closed before the second item arrived")
	default:
	}
	assert.Equal(t, 1, l.Add(20))
	awaittest.Closed(t, second, "the second arrival")
	awaittest.Closed(t, l.Arrived(2), "an arrival that already happened")

	l.Update(0, func(v *int) { *v++ })
	all := l.All()
	assert.Equal(t, []int{11, 20}, all)
	all[0] = 99
	assert.Equal(t, []int{11, 20}, l.All(), "All returns a copy")
}

func TestLogIsSafeForConcurrentUse(t *testing.T) {
	t.Parallel()
	var l fakehttp.Log[int]
	arrived := l.Arrived(50)
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() { l.Add(i) })
	}
	wg.Wait()
	awaittest.Closed(t, arrived, "all arrivals")
	assert.Len(t, l.All(), 50)
}

func TestBearer(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	_, ok := fakehttp.Bearer(r, "")
	assert.True(t, ok, "no key asked for")
	given, ok := fakehttp.Bearer(r, "sk-1")
	assert.False(t, ok)
	assert.Empty(t, given)

	r.Header.Set("Authorization", "Bearer sk-2")
	given, ok = fakehttp.Bearer(r, "sk-1")
	assert.False(t, ok)
	assert.Equal(t, "sk-2", given)
	_, ok = fakehttp.Bearer(r, "sk-2")
	assert.True(t, ok)

	r.Header.Set("Authorization", "Basic dXNlcjpwYXNz")
	_, ok = fakehttp.Bearer(r, "dXNlcjpwYXNz")
	assert.False(t, ok, "only a bearer token counts")
}

func TestWait(t *testing.T) {
	t.Parallel()
	done := make(chan struct{})
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	assert.True(t, fakehttp.Wait(r, done, 0))
	assert.True(t, fakehttp.Wait(r, done, -time.Second), "a past deadline does not wait")
	assert.True(t, fakehttp.Wait(r, done, time.Millisecond))

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	assert.False(t, fakehttp.Wait(r.WithContext(ctx), done, time.Hour), "the client left")
	close(done)
	assert.False(t, fakehttp.Wait(r, done, time.Hour), "the fake closed")
}

func TestHang(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	ctx, cancel := context.WithCancel(t.Context())
	returned := make(chan struct{})
	go func() {
		fakehttp.Hang(r.WithContext(ctx), nil)
		close(returned)
	}()
	select {
	case <-returned:
		t.Fatal("Hang returned while the client waits")
	case <-time.After(10 * time.Millisecond):
	}
	cancel()
	awaittest.Closed(t, returned, "Hang's return once the client left")

	done := make(chan struct{})
	close(done)
	fakehttp.Hang(r, done) // returns: the fake closed
}

func TestWriteJSON(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	fakehttp.WriteJSON(rec, http.StatusTeapot, map[string]string{"a": "b"})
	require.Equal(t, http.StatusTeapot, rec.Code)
	assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	assert.JSONEq(t, `{"a":"b"}`, rec.Body.String())
}
