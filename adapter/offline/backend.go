package offline

import (
	"context"

	"github.com/companionhub/companionhub/backend"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/llm"
)

// Backend describes the offline model for a catalogue of language models: named "offline", its
// own setting is the pace (COMPANIONHUB_OFFLINE_TOKENS_PER_SECOND); it needs no URL, key or model.
func Backend() backend.Backend[llm.Model] {
	return backend.Backend[llm.Model]{
		Name: "offline",
		Config: func() backend.Config {
			c := DefaultConfig()
			return &c
		},
		Open: func(_ context.Context, _ backend.Settings, own backend.Config, _ backend.Deps) (llm.Model, func(), error) {
			c, ok := own.(*Config)
			if !ok {
				return nil, nil, domain.Errorf(domain.KindInternal, "offline model: settings of type %T", own)
			}
			if err := c.Validate(); err != nil {
				return nil, nil, domain.Errorf(domain.KindInvalid, "offline model: %w", err)
			}
			return New(*c), nil, nil
		},
	}
}
