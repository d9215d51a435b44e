package hashembed

import (
	"github.com/companionhub/companionhub/backend"
	"github.com/companionhub/companionhub/usecase/memory"
)

// Backend describes the hashing embedder to a hub's embeddings catalogue as "offline". Its own
// settings are a Config (COMPANIONHUB_OFFLINE_EMBEDDING_DIMENSIONS); the feature's settings are
// ignored, as it needs no URL, key or model.
func Backend() backend.Backend[memory.Embedder] {
	return backend.Local("offline", func() *Config { c := DefaultConfig(); return &c },
		func(c *Config) (memory.Embedder, error) { return New(*c), nil })
}
