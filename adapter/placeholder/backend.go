package placeholder

import (
	"context"

	"github.com/companionhub/companionhub/backend"
	"github.com/companionhub/companionhub/usecase/picture"
)

// Backend describes the placeholder to a hub's image catalogue as "offline". It has no settings
// of its own and ignores the feature's (it needs no URL, key or model), so a hub with no image
// service configured still makes pictures.
func Backend() backend.Backend[picture.Generator] {
	return backend.Backend[picture.Generator]{
		Name: "offline",
		Open: func(context.Context, backend.Settings, backend.Config, backend.Deps) (picture.Generator, func(), error) {
			return New(), nil, nil
		},
	}
}
