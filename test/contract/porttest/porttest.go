// Package porttest holds the checks that the conformance suites of several ports share.
package porttest

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
)

// RequireCancelled checks the error of a call whose context was cancelled: it says so
// (context.Canceled) or has a retryable kind, never a kind that would make a caller give up.
func RequireCancelled(t *testing.T, err error) {
	t.Helper()
	require.Error(t, err, "a cancelled context must fail the call")
	require.True(t, errors.Is(err, context.Canceled) || domain.KindOf(err).Retryable(),
		"a cancelled call must wrap context.Canceled or have a retryable kind, got %s: %v", domain.KindOf(err), err)
}
