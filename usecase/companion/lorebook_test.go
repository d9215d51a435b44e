package companion_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/audit"
	"github.com/companionhub/companionhub/domain/companion"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
	"github.com/companionhub/companionhub/usecase/ratelimit"
)

// cardBook is a character_book as a card brings it, with what the hub does not type.
const cardBook = `{"name":"Vale","recursive_scanning":true,"extensions":{"tool":"x"},"entries":[
	{"id":7,"keys":["Ironhold"],"content":"Ironhold is a fortress.","enabled":true,"insertion_order":1,
	 "extensions":{"position":0,"depth":4},"position":"before_char"},
	{"keys":["elf"],"content":"Elves live long.","enabled":true,"insertion_order":2}]}`

// withBook creates a companion whose card brought cardBook.
func (e *env) withBook(t *testing.T, owner domain.ID) *companion.Companion {
	t.Helper()
	spec := fullSpec()
	spec.Card.CharacterBook = []byte(cardBook)
	c, err := e.app.Create.Handle(context.Background(), companionuc.Create{OwnerID: owner, Profile: spec, Meta: meta})
	require.NoError(t, err)
	return c
}

// exportedBook is the character_book of the companion's exported V2 card.
func (e *env) exportedBook(t *testing.T, owner, id domain.ID) map[string]any {
	t.Helper()
	out, err := e.app.ExportCard.Handle(context.Background(), companionuc.ExportCard{OwnerID: owner, ID: id,
		Spec: companionuc.CardV2, Format: companionuc.CardJSON})
	require.NoError(t, err)
	var card struct {
		Data struct {
			Book map[string]any `json:"character_book"`
		} `json:"data"`
	}
	require.NoError(t, json.Unmarshal(out.Data, &card))
	return card.Data.Book
}

func lastEvent(t *testing.T, e *env, owner domain.ID) audit.Event {
	t.Helper()
	events, _, err := e.store.Audit().ListByActor(context.Background(), owner, domain.Page{Limit: 1})
	require.NoError(t, err)
	require.NotEmpty(t, events)
	return events[0]
}

func TestLorebookIsReadAndReplacedKeepingTheCardsData(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	owner := e.user(t)

	empty, err := e.app.GetLorebook.Handle(ctx, companionuc.GetLorebook{OwnerID: owner, ID: e.create(t, owner).ID()})
	require.NoError(t, err)
	require.Empty(t, empty.Entries, "a companion without a book has an empty one")

	c := e.withBook(t, owner)
	book, err := e.app.GetLorebook.Handle(ctx, companionuc.GetLorebook{OwnerID: owner, ID: c.ID()})
	require.NoError(t, err)
	require.Equal(t, "Vale", book.Name)
	require.Len(t, book.Entries, 2)
	require.Equal(t, []int{7, 1}, []int{book.Entries[0].ID, book.Entries[1].ID}, "its own id, else its index")

	// The owner edits the first entry, drops the second and adds one.
	e.clock.Advance(time.Minute)
	edit := companion.Book{Name: "Vale", ScanDepth: 6, Entries: []companion.BookEntry{
		{ID: 7, Keys: []string{"Ironhold", "the fortress"}, Content: "Ironhold is a mountain fortress.", Enabled: true, InsertionOrder: 1},
		{ID: companion.NewEntryID, Keys: []string{"dragon"}, Content: "Dragons are extinct.", Enabled: true, Priority: 5},
	}}
	got, err := e.app.PutLorebook.Handle(ctx, companionuc.PutLorebook{OwnerID: owner, ID: c.ID(), Book: edit, Meta: meta})
	require.NoError(t, err)
	require.Equal(t, 6, got.ScanDepth)
	require.Len(t, got.Entries, 2)
	require.Equal(t, []int{7, 8}, []int{got.Entries[0].ID, got.Entries[1].ID})
	again, err := e.app.GetLorebook.Handle(ctx, companionuc.GetLorebook{OwnerID: owner, ID: c.ID()})
	require.NoError(t, err)
	require.Equal(t, got, again)

	ev := lastEvent(t, e, owner)
	require.Equal(t, audit.ActionCompanionUpdate, ev.Action)
	require.Equal(t, map[string]string{"name": "Mira Vale", "lorebook": "put", "entries": "2"}, ev.Details)
	stored, err := e.app.Get.Handle(ctx, companionuc.Get{OwnerID: owner, ID: c.ID()})
	require.NoError(t, err)
	require.Equal(t, e.clock.Now(), stored.UpdatedAt())

	// The export carries the entries and what the card brought beyond them.
	exported := e.exportedBook(t, owner, c.ID())
	require.Equal(t, true, exported["recursive_scanning"])
	require.Equal(t, map[string]any{"tool": "x"}, exported["extensions"])
	entries := exported["entries"].([]any)
	require.Len(t, entries, 2)
	first := entries[0].(map[string]any)
	require.Equal(t, "Ironhold is a mountain fortress.", first["content"])
	require.Equal(t, map[string]any{"position": float64(0), "depth": float64(4)}, first["extensions"])
	require.Equal(t, "before_char", first["position"])
	require.Equal(t, "Dragons are extinct.", entries[1].(map[string]any)["content"])

	// A mistake changes nothing.
	_, err = e.app.PutLorebook.Handle(ctx, companionuc.PutLorebook{OwnerID: owner, ID: c.ID(), Meta: meta,
		Book: companion.Book{Entries: []companion.BookEntry{{ID: 1, Content: "no key", Enabled: true}}}})
	requireKind(t, err, domain.KindInvalid)
	still, err := e.app.GetLorebook.Handle(ctx, companionuc.GetLorebook{OwnerID: owner, ID: c.ID()})
	require.NoError(t, err)
	require.Equal(t, got, still)

	// No entries, no book.
	_, err = e.app.PutLorebook.Handle(ctx, companionuc.PutLorebook{OwnerID: owner, ID: c.ID(), Meta: meta})
	require.NoError(t, err)
	stored, err = e.app.Get.Handle(ctx, companionuc.Get{OwnerID: owner, ID: c.ID()})
	require.NoError(t, err)
	require.Nil(t, stored.Profile().Spec().Card.CharacterBook)
	require.Nil(t, e.exportedBook(t, owner, c.ID()))
}

func TestWorldInfoIsImportedIntoTheLorebook(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	owner := e.user(t)
	c := e.withBook(t, owner)
	file := []byte(`{"entries":{
		"7":{"uid":7,"key":["dragon"],"keysecondary":[],"content":"Dragons hoard songs.","order":10,"position":1,"disable":false,"depth":2},
		"8":{"uid":8,"key":[],"content":"unreachable","constant":false}}}`)

	res, err := e.app.ImportWorldInfo.Handle(ctx, companionuc.ImportWorldInfo{OwnerID: owner, ID: c.ID(), Data: file, Meta: meta})
	require.NoError(t, err)
	require.Equal(t, 1, res.Imported)
	require.Equal(t, 1, res.Skipped)
	require.Len(t, res.Book.Entries, 3, "appended by default")
	require.Equal(t, "Vale", res.Book.Name, "the book stays")
	dragon := res.Book.Entries[2]
	require.Equal(t, 8, dragon.ID, "uid 7 is taken: a fresh id")
	require.Equal(t, 10, dragon.InsertionOrder)
	require.JSONEq(t, `{"position":1,"depth":2}`, string(dragon.Extra["extensions"]))
	require.Equal(t, map[string]string{"name": "Mira Vale", "lorebook": "import_append", "entries": "3"}, lastEvent(t, e, owner).Details)

	res, err = e.app.ImportWorldInfo.Handle(ctx, companionuc.ImportWorldInfo{OwnerID: owner, ID: c.ID(), Data: file,
		Mode: companionuc.ImportReplace, Meta: meta})
	require.NoError(t, err)
	require.Len(t, res.Book.Entries, 1)
	require.Equal(t, 7, res.Book.Entries[0].ID, "its uid, free now")
	exported := e.exportedBook(t, owner, c.ID())
	entries := exported["entries"].([]any)
	require.Len(t, entries, 1)
	require.Equal(t, "Dragons hoard songs.", entries[0].(map[string]any)["content"])
	require.Equal(t, "after_char", entries[0].(map[string]any)["position"])
	require.Equal(t, true, exported["recursive_scanning"], "replace replaces entries, not the book")

	_, err = e.app.ImportWorldInfo.Handle(ctx, companionuc.ImportWorldInfo{OwnerID: owner, ID: c.ID(), Data: file, Mode: "merge"})
	requireKind(t, err, domain.KindInvalid)
	_, err = e.app.ImportWorldInfo.Handle(ctx, companionuc.ImportWorldInfo{OwnerID: owner, ID: c.ID(), Data: []byte(`{"name":"x"}`)})
	requireKind(t, err, domain.KindInvalid)
}

func TestLorebookBelongsToItsOwnerAndTheTrashIsReadOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	owner, stranger := e.user(t), e.user(t)
	c := e.withBook(t, owner)
	put := companionuc.PutLorebook{OwnerID: stranger, ID: c.ID(), Meta: meta,
		Book: companion.Book{Entries: []companion.BookEntry{{ID: 1, Keys: []string{"k"}, Content: "c", Enabled: true}}}}
	imp := companionuc.ImportWorldInfo{OwnerID: stranger, ID: c.ID(), Data: []byte(`{"entries":{"1":{"key":["k"],"content":"c"}}}`)}

	_, err := e.app.GetLorebook.Handle(ctx, companionuc.GetLorebook{OwnerID: stranger, ID: c.ID()})
	require.ErrorIs(t, err, companion.ErrNotFound)
	_, err = e.app.PutLorebook.Handle(ctx, put)
	require.ErrorIs(t, err, companion.ErrNotFound)
	_, err = e.app.ImportWorldInfo.Handle(ctx, imp)
	require.ErrorIs(t, err, companion.ErrNotFound)

	_, err = e.app.Delete.Handle(ctx, companionuc.Delete{OwnerID: owner, ID: c.ID(), Meta: meta})
	require.NoError(t, err)
	book, err := e.app.GetLorebook.Handle(ctx, companionuc.GetLorebook{OwnerID: owner, ID: c.ID()})
	require.NoError(t, err)
	require.Len(t, book.Entries, 2, "the trash is readable")
	put.OwnerID, imp.OwnerID = owner, owner
	_, err = e.app.PutLorebook.Handle(ctx, put)
	require.ErrorIs(t, err, companion.ErrTrashed)
	_, err = e.app.ImportWorldInfo.Handle(ctx, imp)
	require.ErrorIs(t, err, companion.ErrTrashed)
}

// Lorebook edits count with profile edits; a file that is not World Info costs nothing.
func TestLorebookEditsAreRateLimited(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(d *companionuc.Deps) {
		d.Policy.UpdateRule.Limit = ratelimit.Limit{Count: 2, Period: time.Hour}
	})
	ctx := context.Background()
	owner := e.user(t)
	c := e.create(t, owner)
	book := companion.Book{Entries: []companion.BookEntry{{ID: companion.NewEntryID, Keys: []string{"k"}, Content: "c", Enabled: true}}}
	_, err := e.app.ImportWorldInfo.Handle(ctx, companionuc.ImportWorldInfo{OwnerID: owner, ID: c.ID(), Data: []byte(`{}`)})
	requireKind(t, err, domain.KindInvalid)
	_, err = e.app.PutLorebook.Handle(ctx, companionuc.PutLorebook{OwnerID: owner, ID: c.ID(), Book: book, Meta: meta})
	require.NoError(t, err)
	_, err = e.app.Update.Handle(ctx, companionuc.Update{OwnerID: owner, ID: c.ID(), Meta: meta,
		Change: func(s companion.ProfileSpec) (companion.ProfileSpec, error) { return s, nil }})
	require.NoError(t, err)
	_, err = e.app.PutLorebook.Handle(ctx, companionuc.PutLorebook{OwnerID: owner, ID: c.ID(), Book: book, Meta: meta})
	requireKind(t, err, domain.KindRateLimited)
}
