package argon2id

import (
	"github.com/google/wire"

	accountuc "github.com/companionhub/companionhub/usecase/account"
)

// ProviderSet provides a *Hasher from a Config and binds it to the account use cases' PasswordHasher.
var ProviderSet = wire.NewSet(New, wire.Bind(new(accountuc.PasswordHasher), new(*Hasher)))
