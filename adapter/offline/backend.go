package offline

import (
	"github.com/companionhub/companionhub/backend"
	"github.com/companionhub/companionhub/usecase/llm"
)

// Backend describes the offline model for a catalogue of language models: named "offline", its
// own setting is the pace (COMPANIONHUB_OFFLINE_TOKENS_PER_SECOND); it needs no URL, key or model.
func Backend() backend.Backend[llm.Model] {
	return backend.Local("offline", func() *Config { c := DefaultConfig(); return &c },
		func(c *Config) (llm.Model, error) { return New(*c), nil })
}
