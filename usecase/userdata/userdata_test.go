package userdata_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/companionhub/companionhub/adapter/blob"
	"github.com/companionhub/companionhub/adapter/httpapi/exportzip"
	"github.com/companionhub/companionhub/adapter/httpapi/modelid"
	"github.com/companionhub/companionhub/core"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/account"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/domain/memory"
	"github.com/companionhub/companionhub/domain/picture"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/test/hubtest"
	"github.com/companionhub/companionhub/test/sqlitetest"
	accountuc "github.com/companionhub/companionhub/usecase/account"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
	memoryuc "github.com/companionhub/companionhub/usecase/memory"
	pictureuc "github.com/companionhub/companionhub/usecase/picture"
	"github.com/companionhub/companionhub/usecase/proactive"
	"github.com/companionhub/companionhub/usecase/schedule"
	"github.com/companionhub/companionhub/usecase/userdata"
)

// Erasing an account, through the hub's wiring: only with the password; then the rows are gone
// (the store's conformance suite proves which) and so are the files, and one event says so.
func TestEraseTakesTheFilesAndLeavesOneEvent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	files, err := blob.Open(ctx, blob.Config{URL: secret.String("mem://")})
	require.NoError(t, err)
	cfg := hubtest.Config(t) // files: the blob store given below
	db := sqlitetest.Open(t)
	hub, err := core.New(ctx, cfg, zap.NewNop(), core.WithDatabase(db), core.WithBlobStore(files))
	require.NoError(t, err)
	t.Cleanup(hub.Close)
	u, err := hub.Accounts.Register.Handle(ctx, accountuc.Register{Email: "ada@example.com", Username: "ada", DisplayName: "Ada",
		Password: "plum-ferry-osmosis-42", ByAdmin: true})
	require.NoError(t, err)
	pic, err := hub.Pictures.Generate.Handle(ctx, pictureuc.Generate{OwnerID: u.ID(), Params: picture.Params{Prompt: "a lighthouse",
		Width: 512, Height: 512}})
	require.NoError(t, err)
	stored := func(k media.Key) bool {
		_, err := files.Stat(ctx, k.String())
		return err == nil
	}
	require.True(t, stored(pic.Image.Key))
	require.True(t, stored(pic.Thumb.Key))

	_, err = hub.UserData.Erase.Handle(ctx, userdata.Erase{UserID: u.ID(), Password: "not-the-password"})
	require.ErrorIs(t, err, account.ErrWrongPassword)
	require.True(t, stored(pic.Image.Key), "a wrong password erases nothing")

	out, err := hub.UserData.Erase.Handle(ctx, userdata.Erase{UserID: u.ID(), Password: "plum-ferry-osmosis-42"})
	require.NoError(t, err)
	require.Equal(t, userdata.Erased{Files: 2}, out, "the picture and its thumbnail")
	require.False(t, stored(pic.Image.Key))
	require.False(t, stored(pic.Thumb.Key))
	_, err = hub.Accounts.GetMe.Handle(ctx, accountuc.GetMe{UserID: u.ID()})
	require.True(t, domain.IsKind(err, domain.KindNotFound), "%v", err)

	var events []struct {
		Actor   *string `db:"actor_id"`
		Action  string  `db:"action"`
		IP      string  `db:"ip"`
		Details string  `db:"details"`
	}
	require.NoError(t, db.X.SelectContext(ctx, &events, `SELECT actor_id, action, ip, details FROM audit_events WHERE resource_id = ?`,
		u.ID().String()))
	require.Len(t, events, 1, "one event outlives the account")
	require.Equal(t, "account_delete", events[0].Action)
	require.Nil(t, events[0].Actor)
	require.Empty(t, events[0].IP)
}

// An export holds the account, every companion as a card that imports back, its conversation
// oldest first and its memories, and every stored file.
func TestExportHoldsEverythingAndTheCardsImport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg := hubtest.Config(t)
	hub, err := core.New(ctx, cfg, zap.NewNop(), core.WithDatabase(sqlitetest.Open(t)))
	require.NoError(t, err)
	t.Cleanup(hub.Close)
	u, err := hub.Accounts.Register.Handle(ctx, accountuc.Register{Email: "ada@example.com", Username: "ada", DisplayName: "Ada",
		Password: "plum-ferry-osmosis-42", ByAdmin: true})
	require.NoError(t, err)
	c, err := hub.Companions.Create.Handle(ctx, companionuc.Create{OwnerID: u.ID(), Profile: companion.ProfileSpec{Name: "Mira Vale", Age: 28,
		Persona: companion.Persona{CustomInstruction: "Call me Ada."}}})
	require.NoError(t, err)
	sent, err := hub.Chat.Send.Handle(ctx, chatuc.Send{OwnerID: u.ID(), CompanionID: c.ID(), Text: "Good morning!"})
	require.NoError(t, err)
	sub, err := hub.Chat.Follow.Handle(ctx, chatuc.Follow{OwnerID: u.ID(), TurnID: sent.Turn.ID()})
	require.NoError(t, err)
	awaittest.Ended(t, sub, "the reply")
	sub.Close()
	_, err = hub.Memory.Add.Handle(ctx, memoryuc.Add{OwnerID: u.ID(), CompanionID: c.ID(),
		Spec: memory.Spec{Text: "Ada likes lighthouses", Category: memory.Preference, Importance: 6}})
	require.NoError(t, err)
	pic, err := hub.Pictures.Generate.Handle(ctx, pictureuc.Generate{OwnerID: u.ID(), Params: picture.Params{Prompt: "a lighthouse",
		Width: 512, Height: 512}})
	require.NoError(t, err)
	_, err = hub.Proactive.Create.Handle(ctx, proactive.Create{OwnerID: u.ID(), CompanionID: c.ID(), Instruction: "Ask about the lighthouse.",
		Cron: "0 9 * * *", TimeZone: "Europe/Lisbon"})
	require.NoError(t, err)

	var buf bytes.Buffer
	zw, err := exportzip.New(&buf, time.Now())
	require.NoError(t, err)
	out, err := hub.UserData.Export.Handle(ctx, userdata.Export{UserID: u.ID(), Sink: zw})
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	require.Equal(t, userdata.Exported{Companions: 1, Messages: 2, Memories: 1, Schedules: 1, Files: 2}, out)

	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	require.NoError(t, err)
	entries := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		require.NoError(t, err)
		b, err := io.ReadAll(rc)
		require.NoError(t, err)
		rc.Close()
		entries[f.Name] = b
	}
	require.Contains(t, string(entries["account.json"]), `"username": "ada"`)
	dir := "companions/" + modelid.Of(c) + "/"
	var conversation []struct {
		Role, Text string
	}
	require.NoError(t, json.Unmarshal(entries[dir+"conversation.json"], &conversation))
	require.Len(t, conversation, 2)
	require.Equal(t, "Good morning!", conversation[0].Text, "oldest first")
	require.Contains(t, string(entries[dir+"memories.json"]), "Ada likes lighthouses")
	require.Contains(t, entries, "files/"+pic.Image.Key.String())
	require.Contains(t, entries, "files/"+pic.Thumb.Key.String())
	require.NotEmpty(t, entries["README.txt"])
	var schedules []struct{ Instruction, Cron, Timezone string }
	require.NoError(t, json.Unmarshal(entries[dir+"schedules.json"], &schedules))
	require.Equal(t, []struct{ Instruction, Cron, Timezone string }{{"Ask about the lighthouse.", "0 9 * * *", "Europe/Lisbon"}}, schedules)
	var used struct {
		Days []struct {
			Kind   string
			Amount int64
		}
	}
	require.NoError(t, json.Unmarshal(entries["usage.json"], &used))
	kinds := map[string]int64{}
	for _, d := range used.Days {
		kinds[d.Kind] += d.Amount
	}
	require.Equal(t, int64(1), kinds["pictures"], "what the providers did for them: %s", entries["usage.json"])
	require.Positive(t, kinds["completion_tokens"])

	imported, err := hub.Companions.ImportCard.Handle(ctx, companionuc.ImportCard{OwnerID: u.ID(), Data: entries[dir+"card.png"]})
	require.NoError(t, err, "the card imports back")
	require.Equal(t, "Mira Vale", imported.Companion.Profile().Name())
	require.Equal(t, "Call me Ada.", imported.Companion.Profile().Spec().Persona.CustomInstruction, "the owner's own copy, private parts too")
}

// keptSchedules is a scheduler that keeps what it is told (Temporal's, in a hub on that profile).
type keptSchedules struct {
	mu   sync.Mutex
	kept map[domain.ID]bool
}

func (k *keptSchedules) Put(_ context.Context, s schedule.Spec) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.kept[s.ID] = true
	return nil
}

func (k *keptSchedules) Delete(_ context.Context, id domain.ID) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.kept, id)
	return nil
}

func (k *keptSchedules) count() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.kept)
}

// Erasing takes the person's schedules out of a scheduler that keeps its own (Temporal's), and
// only theirs.
func TestEraseTakesTheSchedulesOutOfTheScheduler(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sched := &keptSchedules{kept: map[domain.ID]bool{}}
	cfg := hubtest.Config(t)
	hub, err := core.New(ctx, cfg, zap.NewNop(), core.WithDatabase(sqlitetest.Open(t)), core.WithScheduler(sched))
	require.NoError(t, err)
	t.Cleanup(hub.Close)
	people := map[string]domain.ID{}
	for _, name := range []string{"ada", "bea"} {
		u, err := hub.Accounts.Register.Handle(ctx, accountuc.Register{Email: name + "@example.com", Username: name, DisplayName: name,
			Password: "plum-ferry-osmosis-42", ByAdmin: true})
		require.NoError(t, err)
		c, err := hub.Companions.Create.Handle(ctx, companionuc.Create{OwnerID: u.ID(), Profile: companion.ProfileSpec{Name: "Mira", Age: 28}})
		require.NoError(t, err)
		for _, preset := range []string{"morning_greeting", "goodnight"} {
			_, err = hub.Proactive.Create.Handle(ctx, proactive.Create{OwnerID: u.ID(), CompanionID: c.ID(), Preset: preset})
			require.NoError(t, err)
		}
		people[name] = u.ID()
	}
	require.Equal(t, 4, sched.count())
	_, err = hub.UserData.Erase.Handle(ctx, userdata.Erase{UserID: people["ada"], Password: "plum-ferry-osmosis-42"})
	require.NoError(t, err)
	require.Equal(t, 2, sched.count(), "ada's two are gone, bea's two stay")
}
