package chat

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

// Work done side by side (advance while the history is read) fails as it would have one piece
// after the other: a stop wins over any other error, whichever piece it came from.
func TestStopFirst(t *testing.T) {
	t.Parallel()
	other := errors.New("read failed")
	require.NoError(t, stopFirst(nil, nil))
	require.Same(t, other, stopFirst(nil, other), "the error is returned as it is, not wrapped")
	require.Same(t, other, stopFirst(other, nil))
	require.Equal(t, ErrCancelled, stopFirst(other, ErrCancelled), "a stop wins over an earlier error")
	require.Equal(t, ErrTurnEnded, stopFirst(ErrTurnEnded, other))
	require.Equal(t, ErrInterrupted, stopFirst(nil, ErrInterrupted))
}
