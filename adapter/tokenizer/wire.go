package tokenizer

import (
	"github.com/google/wire"

	"github.com/companionhub/companionhub/usecase/chat"
)

// ProviderSet provides the Heuristic and binds it to the chat use cases' TokenCounter.
var ProviderSet = wire.NewSet(New, wire.Bind(new(chat.TokenCounter), new(Heuristic)))
