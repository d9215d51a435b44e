package offline

import (
	"github.com/google/wire"

	"github.com/companionhub/companionhub/usecase/llm"
)

// ProviderSet provides the offline *Model from a Config and binds it to the llm.Model port, for
// the embedded profile (LLM_BASE_URL unset).
var ProviderSet = wire.NewSet(New, wire.Bind(new(llm.Model), new(*Model)))
