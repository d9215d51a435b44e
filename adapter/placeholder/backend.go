package placeholder

import (
	"github.com/companionhub/companionhub/backend"
	"github.com/companionhub/companionhub/usecase/picture"
)

// Backend describes the placeholder to a hub's image catalogue as "offline". It has no settings
// of its own and ignores the feature's (it needs no URL, key or model), so a hub with no image
// service configured still makes pictures.
func Backend() backend.Backend[picture.Generator] {
	return backend.Local("offline", nil, func(backend.NoConfig) (picture.Generator, error) { return New(), nil })
}
