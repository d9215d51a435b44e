package local

import (
	"github.com/google/wire"

	"github.com/companionhub/companionhub/usecase/chat"
)

// ProviderSet provides a *Runner from a Config and Deps and binds it to the chat use cases' Runner.
var ProviderSet = wire.NewSet(NewRunner, wire.Bind(new(chat.Runner), new(*Runner)))
