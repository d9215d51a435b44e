package openai

import (
	"github.com/google/wire"

	"github.com/companionhub/companionhub/usecase/llm"
)

// ProviderSet provides a *Client from a Config and an *http.Client and binds it to the llm.Model
// port. Include it instead of the offline model's set when LLM_BASE_URL is set.
var ProviderSet = wire.NewSet(New, wire.Bind(new(llm.Model), new(*Client)))
