package imaging

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/test/contract/imageprocessortest"
)

// withOneSlot returns a Processor with a single slot, already taken, and a channel that receives
// once per call that finds it taken.
func withOneSlot(t *testing.T) (*Processor, chan struct{}) {
	t.Helper()
	p := New()
	p.slots = make(chan struct{}, 1)
	p.slots <- struct{}{}
	blocked := make(chan struct{}, 1)
	p.waiting = func() { blocked <- struct{}{} }
	return p, blocked
}

func TestWaitsForASlot(t *testing.T) {
	t.Parallel()
	p, blocked := withOneSlot(t)
	type result struct {
		w   int
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := p.Process(context.Background(), imageprocessortest.PNG(imageprocessortest.Picture(20, 10)), 800)
		done <- result{out.Width, err}
	}()
	select {
	case <-blocked:
	case r := <-done:
		t.Fatalf("Process finished without a slot: %+v", r)
	case <-time.After(awaittest.Patience):
		t.Fatal("Process neither waited for the slot nor finished")
	}
	<-p.slots // the holder finishes
	r := awaittest.Recv(t, done, "Process's return")
	require.NoError(t, r.err)
	assert.Equal(t, 20, r.w)
	assert.Empty(t, p.slots, "the slot is given back")
}

func TestGivesUpWaitingWhenContextEnds(t *testing.T) {
	t.Parallel()
	p, blocked := withOneSlot(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := p.Process(ctx, imageprocessortest.PNG(imageprocessortest.Picture(20, 10)), 800)
		done <- err
	}()
	select {
	case <-blocked:
	case err := <-done:
		t.Fatalf("Process finished without a slot: %v", err)
	case <-time.After(awaittest.Patience):
		t.Fatal("Process neither waited for the slot nor finished")
	}
	cancel()
	err := awaittest.Recv(t, done, "Process's return")
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err), "%v", err)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Len(t, p.slots, 1, "a call that gave up holds no slot")
}

// Refusals from the header must not queue behind pictures being decoded.
func TestRefusalsDoNotWaitForASlot(t *testing.T) {
	t.Parallel()
	p, _ := withOneSlot(t)
	p.waiting = func() { t.Error("a refusal waited for a slot") }
	for reason, data := range map[string][]byte{
		"unsupported_image": []byte("<html>"),
		"image_dimensions":  imageprocessortest.BombPNG(4096, 4096),
		"corrupt_image":     []byte("\x89PNG\r\n\x1a\n"),
	} {
		_, err := p.Process(t.Context(), data, 800)
		imageprocessortest.RequireRefusal(t, err, reason)
	}
}
