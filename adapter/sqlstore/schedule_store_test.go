package sqlstore_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/usecase/schedule"
)

// The store's claim is a compare-and-set on (revision, next run); the in-process scheduler's
// conformance and replica tests (adapter/local) drive it further.
func TestScheduleStore(t *testing.T) {
	t.Parallel()
	for name, open := range map[string]func(*testing.T) *sqlstore.DB{"SQLite": openSQLite, "Postgres": openPostgres} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			s := sqlstore.NewScheduleStore(open(t))
			t0 := time.Date(2031, 3, 1, 0, 0, 0, 123456000, time.UTC)
			sp := schedule.Spec{ID: domainID(), OwnerID: domainID(), CompanionID: domainID(), Cron: "0 8 * * *",
				TimeZone: "UTC", Instruction: "Hello.", Enabled: true}
			require.NoError(t, s.Put(ctx, sp, t0.Add(8*time.Hour), t0))

			due, err := s.Due(ctx, t0.Add(7*time.Hour), 10)
			require.NoError(t, err)
			assert.Empty(t, due, "not yet")
			due, err = s.Due(ctx, t0.Add(9*time.Hour), 10)
			require.NoError(t, err)
			require.Len(t, due, 1)
			assert.Equal(t, sp, due[0].Spec)
			assert.True(t, due[0].NextRun.Equal(t0.Add(8*time.Hour)), "%s", due[0].NextRun)
			stale := due[0]

			// Putting it again unchanged keeps the due run, but a claim made on the old revision fails.
			sp.Instruction = "Hello again."
			require.NoError(t, s.Put(ctx, sp, t0.Add(32*time.Hour), t0.Add(9*time.Hour)))
			won, err := s.Claim(ctx, stale, t0.Add(32*time.Hour), t0.Add(9*time.Hour))
			require.NoError(t, err)
			assert.False(t, won, "a claim on an older revision")
			due, err = s.Due(ctx, t0.Add(9*time.Hour), 10)
			require.NoError(t, err)
			require.Len(t, due, 1, "the due run survived the put")
			assert.Equal(t, "Hello again.", due[0].Spec.Instruction)
			assert.Greater(t, due[0].Revision, stale.Revision)

			won, err = s.Claim(ctx, due[0], t0.Add(32*time.Hour), t0.Add(9*time.Hour))
			require.NoError(t, err)
			assert.True(t, won)
			won, err = s.Claim(ctx, due[0], t0.Add(32*time.Hour), t0.Add(9*time.Hour))
			require.NoError(t, err)
			assert.False(t, won, "claimed once only")
			due, err = s.Due(ctx, t0.Add(31*time.Hour), 10)
			require.NoError(t, err)
			assert.Empty(t, due)

			// A changed cron takes the next run it is given; disabling makes it never due.
			sp.Cron = "0 9 * * *"
			require.NoError(t, s.Put(ctx, sp, t0.Add(33*time.Hour), t0.Add(10*time.Hour)))
			due, err = s.Due(ctx, t0.Add(33*time.Hour), 10)
			require.NoError(t, err)
			require.Len(t, due, 1)
			assert.True(t, due[0].NextRun.Equal(t0.Add(33*time.Hour)))
			sp.Enabled = false
			require.NoError(t, s.Put(ctx, sp, time.Time{}, t0.Add(10*time.Hour)))
			due, err = s.Due(ctx, t0.Add(1000*time.Hour), 10)
			require.NoError(t, err)
			assert.Empty(t, due)

			require.NoError(t, s.Delete(ctx, sp.ID))
			require.NoError(t, s.Delete(ctx, sp.ID), "absent is fine")
		})
	}
}
