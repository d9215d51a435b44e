package hibp

import (
	"github.com/google/wire"

	accountuc "github.com/companionhub/companionhub/usecase/account"
)

// ProviderSet provides a *Checker from a Config and an *http.Client and binds it to the account
// use cases' BreachChecker. The checker is optional: include the set only when breach checks are on.
var ProviderSet = wire.NewSet(New, wire.Bind(new(accountuc.BreachChecker), new(*Checker)))
