package companionhub

import (
	"github.com/companionhub/companionhub/adapter/openai"
	"github.com/companionhub/companionhub/core"
)

// Catalogs are the backends this package links, per feature: the core's and the ones that need an
// SDK or a network service.
func Catalogs() core.Catalogs {
	cs := core.Builtin()
	cs.Models = cs.Models.With(openai.Backend())
	return cs
}
