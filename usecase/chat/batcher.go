package chat

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/eventjson"
	"github.com/companionhub/companionhub/usecase/stream"
)

// maxEventText bounds the text of one token event so that its data stays under stream.MaxData
// whatever the text.
var maxEventText = eventjson.TokenTextLimit(stream.MaxData)

// batcher coalesces reply text into token events: published when bytes have gathered, or delay
// after the first unpublished byte, whichever comes first, in order.
type batcher struct {
	publish func(ctx context.Context, turnID domain.ID, attempt int, p chat.Payload) error
	ctx     context.Context
	turnID  domain.ID
	attempt int
	fail    context.CancelCauseFunc // stops the stream when a timed publish fails
	delay   time.Duration
	bytes   int

	mu      sync.Mutex
	pending strings.Builder
	timer   *time.Timer
	started bool // the first batch went out
	err     error
}

func (b *batcher) add(text string) error {
	if text == "" {
		return b.errNow()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err != nil {
		return b.err
	}
	b.pending.WriteString(text)
	if !b.started || b.pending.Len() >= b.bytes {
		// The first words go out at once (time to first token is what a person feels); the
		// rest is coalesced.
		b.started = true
		return b.flushLocked()
	}
	if b.timer == nil {
		b.timer = time.AfterFunc(b.delay, b.tick)
	}
	return nil
}

func (b *batcher) errNow() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

func (b *batcher) tick() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.timer = nil
	if b.err == nil {
		if err := b.flushLocked(); err != nil {
			b.fail(err)
		}
	}
}

func (b *batcher) flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err != nil {
		return b.err
	}
	return b.flushLocked()
}

func (b *batcher) flushLocked() error {
	if b.timer != nil {
		b.timer.Stop()
		b.timer = nil
	}
	text := b.pending.String()
	b.pending.Reset()
	for text != "" {
		n := len(text)
		if n > maxEventText {
			n = maxEventText
			for n > 0 && !utf8.RuneStart(text[n]) {
				n--
			}
		}
		if err := b.publish(b.ctx, b.turnID, b.attempt, chat.Token{Text: text[:n]}); err != nil {
			b.err = err
			return err
		}
		text = text[n:]
	}
	return nil
}

func (b *batcher) stop() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.timer != nil {
		b.timer.Stop()
		b.timer = nil
	}
	if b.err == nil {
		b.err = errors.New("reply stream closed")
	}
}
