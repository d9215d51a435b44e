package zxcvbn

import (
	"github.com/google/wire"

	accountuc "github.com/companionhub/companionhub/usecase/account"
)

// ProviderSet provides one *Estimator and binds it to both ports it implements.
var ProviderSet = wire.NewSet(
	New,
	wire.Bind(new(accountuc.StrengthEstimator), new(*Estimator)),
	wire.Bind(new(accountuc.CommonPasswords), new(*Estimator)),
)
