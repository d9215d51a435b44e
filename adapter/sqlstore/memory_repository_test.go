package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/memory"
	"github.com/companionhub/companionhub/test/contract/memorystoretest"
)

func memoryEnv(db *sqlstore.DB) memorystoretest.Env {
	return memorystoretest.Env{
		Store:      sqlstore.MemoryStore(db),
		Companions: sqlstore.NewCompanionStore(db),
		NewOwner:   companionEnv(db).NewOwner,
		DeleteOwner: func(t *testing.T, owner domain.ID) {
			t.Helper()
			_, err := db.X.ExecContext(context.Background(), db.X.Rebind(`DELETE FROM users WHERE id = ?`), owner.String())
			require.NoError(t, err)
		},
	}
}

func TestMemoryStoreSQLite(t *testing.T) {
	t.Parallel()
	memorystoretest.Run(t, func(t *testing.T) memorystoretest.Env { return memoryEnv(openSQLite(t)) })
}

func TestMemoryStorePostgres(t *testing.T) {
	t.Parallel()
	memorystoretest.Run(t, func(t *testing.T) memorystoretest.Env { return memoryEnv(openPostgres(t)) })
}

// SQLite's full-text index is external content kept by triggers: after edits, deletions, a wipe and
// the cascades of a deleted companion and user, it holds exactly the texts of the memories left.
func TestMemoryIndexStaysInSyncSQLite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openSQLite(t)
	env := memoryEnv(db)
	store := env.Store
	owner, other := env.NewOwner(t), env.NewOwner(t)
	newCompanion := func(owner domain.ID) domain.ID {
		p, err := companion.NewProfile(companion.ProfileSpec{Name: "Keeper", Age: 30})
		require.NoError(t, err)
		c := companion.New(domain.NewID(time.Now()), owner, p, time.Now())
		require.NoError(t, env.Companions.Companions().Create(ctx, c))
		return c.ID()
	}
	remember := func(owner, c domain.ID, texts ...string) []memory.Memory {
		var out []memory.Memory
		for _, text := range texts {
			m, err := memory.New(domain.NewID(time.Now()), owner, c,
				memory.Spec{Text: text, Category: memory.Event, Importance: 5}, nil, time.Now())
			require.NoError(t, err)
			require.NoError(t, store.Create(ctx, m))
			out = append(out, m)
		}
		return out
	}
	c1, c2, c3, c4 := newCompanion(owner), newCompanion(owner), newCompanion(owner), newCompanion(other)
	ms := remember(owner, c1, "one fish", "two fish", "red fish", "blue fish")
	remember(owner, c2, "wiped away", "and this")
	remember(owner, c3, "gone with the companion")
	remember(other, c4, "gone with the user")
	edited, err := ms[0].Apply(memory.Spec{Text: "one whale", Category: memory.Event, Importance: 5}, time.Now())
	require.NoError(t, err)
	require.NoError(t, store.Update(ctx, edited))
	require.NoError(t, store.Delete(ctx, owner, ms[1].ID))
	_, err = store.Wipe(ctx, owner, c2)
	require.NoError(t, err)
	require.NoError(t, env.Companions.Companions().Delete(ctx, c3))
	env.DeleteOwner(t, other)
	remember(owner, c1, "green fish")

	_, err = db.X.ExecContext(ctx, `INSERT INTO memories_fts (memories_fts, rank) VALUES ('integrity-check', 1)`)
	require.NoError(t, err, "the index matches the memories")
	var indexed int
	require.NoError(t, db.X.GetContext(ctx, &indexed, `SELECT count(*) FROM memories_fts WHERE memories_fts MATCH 'fish OR whale OR gone OR wiped OR this'`))
	require.Equal(t, 4, indexed, "one whale, red, blue and green fish")
}
