package sqlstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/test/sqlitetest"
)

// BenchmarkRecent reads a page of 64 messages, half of them replies with a scene: the page a
// reply's history is read in.
func BenchmarkRecent(b *testing.B) {
	ctx := context.Background()
	db := sqlitetest.Open(b)
	_, companionID, _ := seedChat(b, db)
	store := sqlstore.NewChatStore(db)
	now := time.Now().Add(time.Hour)
	var question domain.ID
	for i := range 100 {
		at := now.Add(time.Duration(i) * time.Second)
		m := chat.Message{ID: domain.NewID(at), CompanionID: companionID, Role: chat.RoleUser,
			Text: fmt.Sprintf("Hello! How was the sky tonight? %d", i), Selected: true, CreatedAt: at}
		if i%2 == 1 {
			m.Role, m.ReplyTo, m.Text = chat.RoleAssistant, question, "w1 w2 w3 w4 w5 w6 w7 w8"
			m.Scene = &companion.Scene{Outfit: []string{"navy cardigan", "white blouse"}, Location: "observatory rooftop",
				Action: "looking through the telescope", Mood: companion.MoodNeutral}
		}
		require.NoError(b, store.Messages().Create(ctx, m))
		question = m.ID
	}
	for b.Loop() {
		msgs, err := store.Messages().Recent(ctx, companionID, domain.Cursor{}, 64)
		require.NoError(b, err)
		require.Len(b, msgs, 64)
	}
}
