package sqlstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/account"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/test/sqlitetest"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
)

// BenchmarkChatReads runs the reads a chat turn makes before the model is called — on the pool and
// in a transaction — with SQLite's statements cached and prepared at every run.
func BenchmarkChatReads(b *testing.B) {
	ctx := context.Background()
	db := sqlitetest.Open(b)
	owner, companionID, turnID := seedChat(b, db)
	for _, run := range []struct {
		name string
		db   *sqlstore.DB
	}{{"cached", db}, {"uncached", sqlstore.WithoutStmtCache(db)}} {
		store := sqlstore.NewChatStore(run.db)
		b.Run(run.name, func(b *testing.B) {
			for b.Loop() {
				_, err := store.People().DisplayName(ctx, owner)
				require.NoError(b, err)
				_, err = store.Companions().Get(ctx, owner, companionID)
				require.NoError(b, err)
				msgs, err := store.Messages().Recent(ctx, companionID, domain.Cursor{}, 20)
				require.NoError(b, err)
				require.Len(b, msgs, 20)
				require.NoError(b, store.InTx(ctx, func(r chatuc.Repos) error {
					if _, err := r.Companions().GetForUpdate(ctx, owner, companionID); err != nil {
						return err
					}
					_, err := r.Turns().Load(ctx, turnID)
					return err
				}))
			}
		})
	}
}

// seedChat stores an owner, a companion with 30 messages and a turn.
func seedChat(b *testing.B, db *sqlstore.DB) (owner, companionID, turnID domain.ID) {
	b.Helper()
	ctx := context.Background()
	now := time.Now()
	email, err := account.NewEmail("bench@example.com")
	require.NoError(b, err)
	name, err := account.NewUsername("bench")
	require.NoError(b, err)
	dn, err := account.NewDisplayName("Bench")
	require.NoError(b, err)
	hash, err := account.NewPasswordHash("$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaA")
	require.NoError(b, err)
	u, err := account.NewUser(domain.NewID(now), email, name, dn, hash, now)
	require.NoError(b, err)
	require.NoError(b, sqlstore.NewAccountStore(db).Users().Create(ctx, u))

	p, err := companion.NewProfile(companion.ProfileSpec{Name: "Talker", Age: 30})
	require.NoError(b, err)
	c := companion.New(domain.NewID(now), u.ID(), p, now)
	store := sqlstore.NewChatStore(db)
	require.NoError(b, store.Companions().Create(ctx, c))
	var last domain.ID
	for i := range 30 {
		at := now.Add(time.Duration(i) * time.Second)
		m := chat.Message{ID: domain.NewID(at), CompanionID: c.ID(), Role: chat.RoleUser,
			Text: fmt.Sprintf("message %d", i), Selected: true, CreatedAt: at}
		require.NoError(b, store.Messages().Create(ctx, m))
		last = m.ID
	}
	t, err := chat.NewTurn(domain.NewID(now), u.ID(), c.ID(), last, chat.Options{}, false, now, time.Minute)
	require.NoError(b, err)
	require.NoError(b, store.Turns().Create(ctx, t, chatuc.Idempotency{}))
	return u.ID(), c.ID(), t.ID()
}
