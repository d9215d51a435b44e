package hashembed

import (
	"context"

	"github.com/companionhub/companionhub/backend"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/memory"
)

// Backend describes the hashing embedder to a hub's embeddings catalogue as "offline". Its own
// settings are a Config (OFFLINE_EMBEDDING_DIMENSIONS under the catalogue's prefix); the feature's
// settings are ignored, as it needs no URL, key or model.
func Backend() backend.Backend[memory.Embedder] {
	return backend.Backend[memory.Embedder]{
		Name: "offline",
		Config: func() backend.Config {
			c := DefaultConfig()
			return &c
		},
		Open: func(_ context.Context, _ backend.Settings, own backend.Config, _ backend.Deps) (memory.Embedder, func(), error) {
			c, ok := own.(*Config)
			if !ok {
				return nil, nil, domain.Errorf(domain.KindInternal, "hashembed: own settings are %T, not *hashembed.Config", own)
			}
			// The catalogue validated c before opening; checking again turns a caller that did
			// not into an error rather than New's panic.
			if err := c.Validate(); err != nil {
				return nil, nil, err
			}
			return New(*c), nil, nil
		},
	}
}
