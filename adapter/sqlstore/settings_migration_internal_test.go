package sqlstore

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/account"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/test/containers"
)

// settingsMigration is the migration that gave companions their settings.
const settingsMigration = 10

// Companions stored before their settings existed get the defaults: migrating the settings away
// and back gives a companion whose settings were all changed the defaults again, on both dialects.
func TestCompanionsFromBeforeSettingsGetTheDefaults(t *testing.T) {
	t.Parallel()
	for name, url := range map[string]func(*testing.T) string{
		"SQLite": func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "hub.db") },
		"Postgres": func(t *testing.T) string {
			return containers.NewPostgresDB(t, "empty", func(context.Context, string) error { return nil })
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db, err := Open(ctx, Config{URL: secret.String(url(t)), MaxOpenConns: 2})
			require.NoError(t, err)
			t.Cleanup(func() { _ = db.Close() })
			_, err = db.Migrate(ctx)
			require.NoError(t, err)

			now := time.Now()
			email, _ := account.NewEmail("old@example.com")
			uname, _ := account.NewUsername("old_owner")
			dn, _ := account.NewDisplayName("Old")
			hash, _ := account.NewPasswordHash("$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaA")
			u, err := account.NewUser(domain.NewID(now), email, uname, dn, hash, now)
			require.NoError(t, err)
			require.NoError(t, NewAccountStore(db).Users().Create(ctx, u))
			p, err := companion.NewProfile(companion.ProfileSpec{Name: "Mira", Age: 26})
			require.NoError(t, err)
			c := companion.New(domain.NewID(now), u.ID(), p, now)
			yes, no := true, false
			_, err = c.ChangeSettings(companion.SettingsChange{AutoImage: &yes, Voice: &yes, Memory: &no, DeepThink: &yes}, now)
			require.NoError(t, err)
			companions := NewCompanionStore(db).Companions()
			require.NoError(t, companions.Create(ctx, c))

			prov, err := db.provider()
			require.NoError(t, err)
			_, err = prov.DownTo(ctx, settingsMigration-1)
			require.NoError(t, err)
			_, err = prov.UpTo(ctx, settingsMigration)
			require.NoError(t, err)

			got, err := companions.Get(ctx, u.ID(), c.ID())
			require.NoError(t, err)
			require.Equal(t, companion.DefaultSettings(), got.Settings())
			require.Equal(t, "Mira", got.Profile().Name(), "the rest of the row is as it was")
		})
	}
}
