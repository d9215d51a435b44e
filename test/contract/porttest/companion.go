package porttest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
)

// StoreCompanion stores a companion of owner's made from spec at at, for the suites of stores whose
// rows belong to a companion (spec's name and age default to Mira, 30).
func StoreCompanion(t *testing.T, companions companionuc.Store, owner domain.ID, spec companion.ProfileSpec, at time.Time) *companion.Companion {
	t.Helper()
	if spec.Name == "" {
		spec.Name = "Mira"
	}
	if spec.Age == 0 {
		spec.Age = 30
	}
	p, err := companion.NewProfile(spec)
	require.NoError(t, err)
	c := companion.New(domain.NewID(at), owner, p, at)
	require.NoError(t, companions.Companions().Create(context.Background(), c))
	return c
}
