package sqlstore_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/core"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/audit"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/domain/memory"
	"github.com/companionhub/companionhub/domain/picture"
	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/test/contract/userdatastoretest"
	"github.com/companionhub/companionhub/test/hubtest"
	accountuc "github.com/companionhub/companionhub/usecase/account"
	"github.com/companionhub/companionhub/usecase/apitoken"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
	"github.com/companionhub/companionhub/usecase/community"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
	memoryuc "github.com/companionhub/companionhub/usecase/memory"
	pictureuc "github.com/companionhub/companionhub/usecase/picture"
	"github.com/companionhub/companionhub/usecase/proactive"
	roomuc "github.com/companionhub/companionhub/usecase/room"
	"github.com/companionhub/companionhub/usecase/schedule"
	"github.com/companionhub/companionhub/usecase/usage"
)

func TestUserDataStoreSQLite(t *testing.T) {
	t.Parallel()
	userdatastoretest.Run(t, func(t *testing.T) userdatastoretest.Env { return userDataEnv(t, openSQLite(t)) })
}

func TestUserDataStorePostgres(t *testing.T) {
	t.Parallel()
	userdatastoretest.Run(t, func(t *testing.T) userdatastoretest.Env { return userDataEnv(t, openPostgres(t)) })
}

// quietNotifier takes every notification and tells nobody: people may opt in.
type quietNotifier struct{}

func (quietNotifier) Notify(context.Context, proactive.Notification) error { return nil }

// userDataEnv populates db through the hub's own use cases (core.New on it, offline backends), so
// that every area writes its rows as it does in service.
func userDataEnv(t *testing.T, db *sqlstore.DB) userdatastoretest.Env {
	cfg := hubtest.Config(t)
	hub, err := core.New(context.Background(), cfg, zap.NewNop(), core.WithDatabase(db), core.WithNotifier(quietNotifier{}))
	require.NoError(t, err)
	t.Cleanup(hub.Close)
	return userdatastoretest.Env{
		Store: sqlstore.UserDataStore(db),
		Populate: func(t *testing.T) (userdatastoretest.Person, userdatastoretest.Person) {
			ada, bea := person(t, hub, db, "ada"), person(t, hub, db, "bea")
			ctx := context.Background()
			for _, pair := range [][2]*userdatastoretest.Person{{&ada, &bea}, {&bea, &ada}} {
				rater, author := pair[0], pair[1]
				_, err := hub.Community.Rate.Handle(ctx, community.Rate{UserID: rater.ID, CompanionID: author.Published, Rating: 4})
				require.NoError(t, err)
				_, err = hub.Community.Report.Handle(ctx, community.ReportCompanion{UserID: rater.ID, CompanionID: author.Published,
					Reason: "spam", Details: "a test report", Meta: audit.Meta{IP: "203.0.113.9"}})
				require.NoError(t, err)
				rater.Rated = author.Published
			}
			// A room of each, the other in it with a companion of theirs.
			for _, pair := range [][2]*userdatastoretest.Person{{&ada, &bea}, {&bea, &ada}} {
				owner, guest := pair[0], pair[1]
				v, err := hub.Rooms.Create.Handle(ctx, roomuc.Create{OwnerID: owner.ID, Title: "Tavern", CompanionIDs: []domain.ID{owner.Published}})
				require.NoError(t, err)
				inv, err := hub.Rooms.Invite.Handle(ctx, roomuc.Invite{UserID: owner.ID, RoomID: v.Room.ID})
				require.NoError(t, err)
				_, err = hub.Rooms.Join.Handle(ctx, roomuc.Join{UserID: guest.ID, Code: inv.Code})
				require.NoError(t, err)
				_, err = hub.Rooms.AddCompanion.Handle(ctx, roomuc.AddCompanion{UserID: guest.ID, RoomID: v.Room.ID, CompanionID: guest.Published})
				require.NoError(t, err)
				_, err = hub.Rooms.Invite.Handle(ctx, roomuc.Invite{UserID: owner.ID, RoomID: v.Room.ID}) // one left unused
				require.NoError(t, err)
				// The guest speaks; both companions answer, working for the guest.
				sub, err := hub.Rooms.Follow.Handle(ctx, roomuc.Follow{UserID: guest.ID, RoomID: v.Room.ID})
				require.NoError(t, err)
				_, err = hub.Rooms.SendMessage.Handle(ctx, roomuc.SendMessage{UserID: guest.ID, RoomID: v.Room.ID, Text: "Evening, all."})
				require.NoError(t, err)
				for ended := 0; ended < 2; {
					if e := awaittest.Next(t, sub, "the room's answers"); e.Type.Terminal() {
						ended++
					}
				}
				sub.Close()
			}
			return ada, bea
		},
		Mentions:    func(t *testing.T, id domain.ID) []string { return mentions(t, db, id) },
		RatingCount: func(t *testing.T, id domain.ID) int { return ratingCount(t, db, id) },
	}
}

// person is someone who used every feature: signed in (and failed to once), chatted, has memories,
// a schedule that fired, a picture, a token, preferences and notifications, and a published
// companion.
func person(t *testing.T, hub *core.Hub, db *sqlstore.DB, name string) userdatastoretest.Person {
	t.Helper()
	ctx := context.Background()
	const pw = "plum-ferry-osmosis-42"
	u, err := hub.Accounts.Register.Handle(ctx, accountuc.Register{Email: name + "@example.com", Username: name, DisplayName: name,
		Password: pw, ByAdmin: true})
	require.NoError(t, err)
	meta := audit.Meta{IP: "198.51.100.7", UserAgent: "test"}
	_, err = hub.Accounts.Login.Handle(ctx, accountuc.Login{Identifier: name, Password: "not-the-password", Meta: meta})
	require.Error(t, err)
	_, err = hub.Accounts.Login.Handle(ctx, accountuc.Login{Identifier: name, Password: pw, Meta: meta})
	require.NoError(t, err)
	c, err := hub.Companions.Create.Handle(ctx, companionuc.Create{OwnerID: u.ID(), Profile: companion.ProfileSpec{Name: "Mira", Age: 28}})
	require.NoError(t, err)
	await := func(turn domain.ID) {
		sub, err := hub.Chat.Follow.Handle(ctx, chatuc.Follow{OwnerID: u.ID(), TurnID: turn})
		require.NoError(t, err)
		defer sub.Close()
		awaittest.Ended(t, sub, "the turn")
	}
	sent, err := hub.Chat.Send.Handle(ctx, chatuc.Send{OwnerID: u.ID(), CompanionID: c.ID(), Text: "Hello, my name is " + name + "."})
	require.NoError(t, err)
	await(sent.Turn.ID())
	_, err = hub.Memory.Add.Handle(ctx, memoryuc.Add{OwnerID: u.ID(), CompanionID: c.ID(),
		Spec: memory.Spec{Text: name + " likes lighthouses", Category: memory.Preference, Importance: 7}})
	require.NoError(t, err)
	s, err := hub.Proactive.Create.Handle(ctx, proactive.Create{OwnerID: u.ID(), CompanionID: c.ID(), Preset: "thinking_of_you", TimeZone: "UTC"})
	require.NoError(t, err)
	never := ""
	_, err = hub.Proactive.SetPreferences.Handle(ctx, proactive.SetPreferences{UserID: u.ID(), QuietHours: &never})
	require.NoError(t, err)
	_, err = hub.Proactive.SetNotifications.Handle(ctx, proactive.SetNotifications{UserID: u.ID(), Enabled: true})
	require.NoError(t, err)
	run, err := hub.Proactive.Fire.Handle(ctx, schedule.Firing{ScheduleID: s.Schedule.ID, Due: time.Now().UTC().Truncate(time.Minute)})
	require.NoError(t, err)
	require.Equal(t, proactive.Fired, run.Outcome, run.Reason)
	await(run.TurnID)
	pic, err := hub.Pictures.Generate.Handle(ctx, pictureuc.Generate{OwnerID: u.ID(), Params: picture.Params{Prompt: "a lighthouse at dusk",
		Width: 512, Height: 512}})
	require.NoError(t, err)
	_, err = hub.Tokens.Create.Handle(ctx, apitoken.Create{UserID: u.ID(), Name: "Client", Scope: apitoken.ScopeChat, Password: pw, Meta: meta})
	require.NoError(t, err)
	_, err = hub.Community.ConfirmAdult.Handle(ctx, community.ConfirmAdult{UserID: u.ID(), Adult: true, Meta: meta})
	require.NoError(t, err)
	_, err = hub.Community.Publish.Handle(ctx, community.Publish{OwnerID: u.ID(), CompanionID: c.ID(), Meta: meta})
	require.NoError(t, err)
	// What the providers did for them, counted and written, and a quota of their own.
	tokens := int64(5000)
	_, err = hub.Usage.SetQuota.Handle(ctx, usage.SetQuota{UserID: u.ID(), Overrides: usage.Limits{Tokens: &tokens}})
	require.NoError(t, err)
	require.NoError(t, sqlstore.UsageStore(db).Add(ctx, []usage.Entry{{Key: usage.Key{Day: usage.DayOf(time.Now()),
		UserID: u.ID().String(), CompanionID: c.ID().String(), Kind: usage.PromptTokens, Provider: "offline", Model: "offline"}, Amount: 10}}))

	var files []media.Key
	var raw []string
	require.NoError(t, db.X.SelectContext(ctx, &raw, db.X.Rebind(`SELECT key FROM media WHERE owner_id = ?`), u.ID().String()))
	for _, k := range raw {
		key, err := media.ParseKey(k)
		require.NoError(t, err)
		files = append(files, key)
	}
	require.Contains(t, raw, pic.Image.Key.String(), "the picture is among the files")
	return userdatastoretest.Person{ID: u.ID(), LockoutSubject: accountuc.LockoutSubject(u.ID()), Files: files, Published: c.ID()}
}

// mentions scans every column of every table for id, as text.
func mentions(t *testing.T, db *sqlstore.DB, id domain.ID) []string {
	t.Helper()
	ctx := context.Background()
	type col struct{ Table, Column string }
	var cols []col
	if db.Dialect == sqlstore.SQLite {
		var tables []string
		require.NoError(t, db.X.SelectContext(ctx, &tables, `SELECT name FROM sqlite_master WHERE type = 'table'
			AND name NOT LIKE 'sqlite_%' AND name <> 'goose_db_version'`))
		for _, tb := range tables {
			var names []string
			require.NoError(t, db.X.SelectContext(ctx, &names, `SELECT name FROM pragma_table_info(?)`, tb))
			for _, n := range names {
				cols = append(cols, col{tb, n})
			}
		}
	} else {
		rows, err := db.X.QueryContext(ctx, `SELECT table_name, column_name FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name <> 'goose_db_version'`)
		require.NoError(t, err)
		for rows.Next() {
			var c col
			require.NoError(t, rows.Scan(&c.Table, &c.Column))
			cols = append(cols, c)
		}
		require.NoError(t, rows.Err())
		require.NoError(t, rows.Close())
	}
	require.NotEmpty(t, cols)
	var out []string
	for _, c := range cols {
		var n int
		q := fmt.Sprintf(`SELECT COUNT(*) FROM %q WHERE CAST(%q AS TEXT) LIKE ?`, c.Table, c.Column)
		require.NoError(t, db.X.GetContext(ctx, &n, db.X.Rebind(q), "%"+id.String()+"%"), q)
		if n > 0 {
			out = append(out, fmt.Sprintf("%s.%s", c.Table, c.Column))
		}
	}
	slices.Sort(out)
	return out
}

func ratingCount(t *testing.T, db *sqlstore.DB, companionID domain.ID) int {
	t.Helper()
	var n []int
	require.NoError(t, db.X.SelectContext(context.Background(), &n,
		db.X.Rebind(`SELECT rating_count FROM publications WHERE companion_id = ?`), companionID.String()))
	if len(n) == 0 {
		return 0 // withdrawn or gone
	}
	return n[0]
}
