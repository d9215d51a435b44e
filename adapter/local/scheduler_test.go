package local_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/companionhub/companionhub/adapter/local"
	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/test/clocktest"
	"github.com/companionhub/companionhub/test/containers"
	"github.com/companionhub/companionhub/test/contract/schedulertest"
	"github.com/companionhub/companionhub/usecase/schedule"
)

func TestMain(m *testing.M) { containers.Main(m) }

// epoch is where the schedulers' clocks start: a fixed instant keeps occurrences reproducible.
var epoch = time.Date(2031, 3, 1, 0, 0, 0, 0, time.UTC)

// database opens the same migrated database n times — n replicas' pools — closed when t ends.
type database func(t *testing.T, n int) []*sqlstore.DB

func sqliteDB(t *testing.T, n int) []*sqlstore.DB {
	return openN(t, "sqlite:"+filepath.Join(t.TempDir(), "hub.db"), n, true)
}

func postgresDB(t *testing.T, n int) []*sqlstore.DB {
	containers.RequireDocker(t)
	return openN(t, containers.NewPostgresDB(t, "sqlstore", sqlstore.MigrateURL), n, false)
}

func openN(t *testing.T, url string, n int, migrate bool) []*sqlstore.DB {
	t.Helper()
	var out []*sqlstore.DB
	for range n {
		db, err := sqlstore.Open(context.Background(), sqlstore.Config{URL: secret.String(url), MaxOpenConns: 8})
		require.NoError(t, err)
		t.Cleanup(func() { _ = db.Close() })
		out = append(out, db)
	}
	if migrate {
		_, err := out[0].Migrate(context.Background())
		require.NoError(t, err)
	}
	return out
}

// done wraps h so that every return of it is counted on a channel.
func done(h schedule.Handler) (schedule.Handler, <-chan struct{}) {
	ch := make(chan struct{}, 1024)
	return func(ctx context.Context, f schedule.Firing) error {
		defer func() { ch <- struct{}{} }()
		return h(ctx, f)
	}, ch
}

// await waits for n signals on ch.
func await(t *testing.T, ch <-chan struct{}, n int) {
	t.Helper()
	timeout := time.NewTimer(10 * time.Second)
	defer timeout.Stop()
	for i := range n {
		select {
		case <-ch:
		case <-timeout.C:
			t.Fatalf("%d of %d firings handled", i, n)
		}
	}
}

func TestSchedulerConformance(t *testing.T) {
	for name, open := range map[string]database{"SQLite": sqliteDB, "Postgres": postgresDB} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			schedulertest.Run(t, schedulertest.Harness{New: func(t *testing.T, h schedule.Handler) schedulertest.Env {
				clock := clocktest.New(epoch)
				h, handled := done(h)
				s := local.NewScheduler(local.SchedulerConfig{}, local.SchedulerDeps{
					Store: sqlstore.NewScheduleStore(open(t, 1)[0]), Handler: h, Clock: clock, Log: zaptest.NewLogger(t)})
				return schedulertest.Env{Scheduler: s, Fire: func(t *testing.T, sp schedule.Spec) time.Time {
					at, err := schedule.Next(sp, clock.Now())
					require.NoError(t, err)
					clock.Advance(at.Sub(clock.Now()))
					n, err := s.Poll(t.Context())
					require.NoError(t, err)
					await(t, handled, n)
					return at
				}}
			}})
		})
	}
}

// firingLog keeps every firing handled, from any replica.
type firingLog struct {
	mu  sync.Mutex
	all []schedule.Firing
}

func (l *firingLog) handle(_ context.Context, f schedule.Firing) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all = append(l.all, f)
	return nil
}

// Two replicas on one database, polling at the same moments again and again, fire each
// occurrence exactly once between them.
func TestSchedulerReplicasNeverFireTwice(t *testing.T) {
	for name, open := range map[string]database{"SQLite": sqliteDB, "Postgres": postgresDB} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			const replicas, schedules, rounds, pollsEach = 2, 40, 15, 3
			dbs := open(t, replicas)
			clock := clocktest.New(epoch) // the replicas' clocks agree
			var log firingLog
			h, handled := done(log.handle)
			var rs []*local.Scheduler
			for _, db := range dbs {
				// Twice the workers needed: the last round's workers are freed a moment after their
				// Handlers return, and a busy worker would make a poll claim less.
				rs = append(rs, local.NewScheduler(local.SchedulerConfig{Workers: 2 * schedules}, local.SchedulerDeps{
					Store: sqlstore.NewScheduleStore(db), Handler: h, Clock: clock, Log: zaptest.NewLogger(t)}))
			}
			ctx := t.Context()
			specs := map[domain.ID]schedule.Spec{}
			for i := range schedules {
				now := time.Now()
				sp := schedule.Spec{ID: domain.NewID(now), OwnerID: domain.NewID(now), CompanionID: domain.NewID(now),
					Cron:     []string{fmt.Sprintf("%d * * * *", i), "*/20 * * * *", fmt.Sprintf("%d 0-23 * * *", i)}[i%3],
					TimeZone: "Europe/Paris", Instruction: fmt.Sprintf("Say hi %d.", i), Enabled: true}
				require.NoError(t, rs[i%replicas].Put(ctx, sp))
				specs[sp.ID] = sp
			}
			for round := range rounds {
				clock.Advance(time.Hour) // every schedule has an occurrence each hour
				var wg sync.WaitGroup
				var mu sync.Mutex
				started := 0
				for _, r := range rs {
					for range pollsEach {
						wg.Go(func() {
							n, err := r.Poll(ctx)
							assert.NoError(t, err)
							mu.Lock()
							started += n
							mu.Unlock()
						})
					}
				}
				wg.Wait()
				require.Equal(t, schedules, started, "round %d: every schedule fired by one poll of one replica", round)
				await(t, handled, started)
			}
			log.mu.Lock()
			defer log.mu.Unlock()
			require.Len(t, log.all, schedules*rounds)
			seen := map[schedule.Firing]bool{}
			perSchedule := map[domain.ID]int{}
			for _, f := range log.all {
				require.False(t, seen[f], "fired twice: %+v", f)
				seen[f] = true
				perSchedule[f.ScheduleID]++
				assert.Equal(t, specs[f.ScheduleID].Instruction, f.Instruction)
			}
			for id := range specs {
				assert.Equal(t, rounds, perSchedule[id], "schedule %s", id)
			}
		})
	}
}
