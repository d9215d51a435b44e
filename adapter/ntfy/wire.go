package ntfy

import (
	"github.com/google/wire"

	"github.com/companionhub/companionhub/usecase/proactive"
)

// ProviderSet provides a *Notifier from a Config and an *http.Client and binds it to the
// proactive.Notifier and proactive.Addresser ports, for embedders who compose their own
// injectors.
var ProviderSet = wire.NewSet(New,
	wire.Bind(new(proactive.Notifier), new(*Notifier)),
	wire.Bind(new(proactive.Addresser), new(*Notifier)))
