package chat

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
)

// A resume position that is no sequence number is refused before anything is read, so no
// renumbering (After+1, Seq+shift) can overflow.
func TestFollowRefusesAPositionBeyondJSONSafeIntegers(t *testing.T) {
	t.Parallel()
	for _, after := range []int64{-1, MaxEventSeq + 1, math.MaxInt64, math.MinInt64} {
		_, err := followHandler{}.Handle(context.Background(), Follow{OwnerID: domain.NewID(time.Now()), TurnID: domain.NewID(time.Now()), After: after})
		require.ErrorIs(t, err, ErrInvalidLastEventID, "%d", after)
		require.Equal(t, "invalid_last_event_id", domain.AsError(err).Reason)
	}
}
