package chat

import (
	"encoding/json"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
)

func jsonBytes(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, domain.Errorf(domain.KindInternal, "encode event: %w", err)
	}
	return b, nil
}

// fixedSubscription replays a fixed list of events and ends.
type fixedSubscription struct {
	ch chan chat.Event
}

func newFixedSubscription(events ...chat.Event) *fixedSubscription {
	ch := make(chan chat.Event, len(events))
	for _, e := range events {
		ch <- e
	}
	close(ch)
	return &fixedSubscription{ch: ch}
}

func (s *fixedSubscription) Events() <-chan chat.Event { return s.ch }
func (s *fixedSubscription) Err() error                { return nil }
func (s *fixedSubscription) Close()                    {}
