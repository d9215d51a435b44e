// Package gallerytest is the conformance suite for the gallery port (usecase/picture.Gallery).
// Every implementation runs it:
//
//	gallerytest.Run(t, func(t *testing.T) gallerytest.Env { … })
//
// A picture refers to rows of other stores — its owner, companion, chat message and media files —
// so the Env carries the stores that make them, over the same database.
package gallerytest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/domain/picture"
	"github.com/companionhub/companionhub/test/contract/porttest"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
	pictureuc "github.com/companionhub/companionhub/usecase/picture"
)

// Env is an empty gallery private to a test, with the stores its pictures refer to.
type Env struct {
	Gallery pictureuc.Gallery
	// Companions makes companions and the media rows of the pictures' files.
	Companions companionuc.Store
	// Chat makes the turns and messages that show pictures.
	Chat chatuc.Store
	// NewOwner makes a user; DeleteOwner deletes one for good (as closing an account would).
	NewOwner    func(t *testing.T) domain.ID
	DeleteOwner func(t *testing.T, owner domain.ID)
}

// Run runs the suite; subtests run in parallel, each with its own Env.
func Run(t *testing.T, newEnv func(t *testing.T) Env) {
	t.Helper()
	for name, fn := range map[string]func(*testing.T, Env){
		"RoundTripKeepsEverything": testRoundTrip,
		"OwnerScoping":             testOwnerScoping,
		"ListPagesNewestFirst":     testListPages,
		"EqualTimesOrderByID":      testEqualTimes,
		"CompanionFilterAndCount":  testFilterAndCount,
		"DeleteRemovesFromMessage": testDeleteFromMessage,
		"DeleteStandalone":         testDeleteStandalone,
		"DuplicateIDConflicts":     testDuplicate,
		"OwnerDeletionCascades":    testOwnerDeletion,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, newEnv(t))
		})
	}
}

// base has microseconds, the precision every store keeps.
var base = time.Date(2026, 6, 7, 8, 9, 10, 654321000, time.UTC)

func at(i int) time.Time { return base.Add(time.Duration(i) * time.Second) }

var seq atomic.Int64

// newCompanion makes a companion of owner's.
func newCompanion(t *testing.T, e Env, owner domain.ID) domain.ID {
	t.Helper()
	return porttest.StoreCompanion(t, e.Companions, owner, companion.ProfileSpec{Name: fmt.Sprintf("Painter %d", seq.Add(1))}, base).ID()
}

// file indexes a picture's file of owner's (and companionID's, when not zero) and returns it as an
// image.
func file(t *testing.T, e Env, owner, companionID domain.ID, ct media.ContentType, size int64, w, h int) media.Image {
	t.Helper()
	img := media.Image{Key: media.NewKey(ct), ContentType: ct, Bytes: size, Width: w, Height: h}
	require.NoError(t, e.Companions.Media().Create(context.Background(), media.Item{Key: img.Key, OwnerID: owner,
		CompanionID: companionID, Kind: media.KindPicture, ContentType: ct, Bytes: size, Width: w, Height: h,
		CreatedAt: base}))
	return img
}

// newPicture is a stored-ready picture of owner's (of companionID's, shown by messageID, when not
// zero) made at createdAt, its files indexed, every field set.
func newPicture(t *testing.T, e Env, owner, companionID, messageID domain.ID, createdAt time.Time) picture.Picture {
	t.Helper()
	n := seq.Add(1)
	return picture.Picture{
		ID: domain.NewID(createdAt), OwnerID: owner, CompanionID: companionID, MessageID: messageID,
		Image: file(t, e, owner, companionID, media.WebP, 345678+n, 832, 1216),
		Thumb: file(t, e, owner, companionID, media.JPEG, 12345, 256, 374),
		Params: picture.Params{
			Prompt:         fmt.Sprintf("Zoë «%d» at the café, 'rain' \"outside\"\nsoft light 😊", n),
			NegativePrompt: "blurry, lowres\tbad hands",
			Width:          832, Height: 1216, Steps: 28, CFGScale: 7.5, Sampler: "DPM++ 2M Karras",
			Seed: picture.MaxSeed,
		},
		Backend: "a1111", Model: "sdxl_base_1.0.safetensors", CreatedAt: createdAt,
	}
}

func mustCreate(t *testing.T, e Env, pics ...picture.Picture) {
	t.Helper()
	for _, p := range pics {
		require.NoError(t, e.Gallery.Create(context.Background(), p))
	}
}

// conversation is a companion of a new owner's with a user message, the turn answering it and its
// reply (not yet showing a picture), made as the chat pipeline makes them.
func conversation(t *testing.T, e Env) (owner, companionID domain.ID, reply chat.Message) {
	t.Helper()
	ctx := context.Background()
	owner = e.NewOwner(t)
	companionID = newCompanion(t, e, owner)
	u := chat.Message{ID: domain.NewID(at(0)), CompanionID: companionID, Role: chat.RoleUser, Text: "Draw me",
		Selected: true, CreatedAt: at(0)}
	require.NoError(t, e.Chat.Messages().Create(ctx, u))
	tr, err := chat.HydrateTurn(chat.TurnRecord{ID: domain.NewID(at(1)), OwnerID: owner, CompanionID: companionID,
		UserMessageID: u.ID, Options: chat.Options{Image: true}, Status: chat.StatusQueued, CreatedAt: at(1),
		UpdatedAt: at(1)})
	require.NoError(t, err)
	require.NoError(t, e.Chat.Turns().Create(ctx, tr, chatuc.Idempotency{}))
	reply = chat.Message{ID: domain.NewID(at(2)), CompanionID: companionID, Role: chat.RoleAssistant,
		Text: "Here I am.", ReplyTo: u.ID, TurnID: tr.ID(), Selected: true, CreatedAt: at(2)}
	require.NoError(t, e.Chat.Messages().Create(ctx, reply))
	return owner, companionID, reply
}

func requireKind(t *testing.T, err error, k domain.Kind) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, k.String(), domain.KindOf(err).String(), "%v", err)
}

// requireNotFound checks the gallery's answer for an absent or foreign picture.
func requireNotFound(t *testing.T, err error) {
	t.Helper()
	require.ErrorIs(t, err, picture.ErrNotFound)
	requireKind(t, err, domain.KindNotFound)
}

// requireSame compares two pictures field by field, the time at microsecond precision.
func requireSame(t *testing.T, want, got picture.Picture) {
	t.Helper()
	require.True(t, want.CreatedAt.Truncate(time.Microsecond).Equal(got.CreatedAt),
		"created: want %v, got %v", want.CreatedAt, got.CreatedAt)
	want.CreatedAt, got.CreatedAt = time.Time{}, time.Time{}
	require.Equal(t, want, got)
}

// ids are the pictures' ids, in order.
func ids(pics []picture.Picture) []domain.ID {
	out := make([]domain.ID, len(pics))
	for i, p := range pics {
		out[i] = p.ID
	}
	return out
}

// all reads every page of f's pictures at limit per page, checking each page's size and that only
// the last one ends with the zero cursor.
func all(t *testing.T, e Env, f picture.Filter, limit int) []picture.Picture {
	t.Helper()
	var out []picture.Picture
	page := domain.Page{Limit: limit}
	for range 100 {
		got, next, err := e.Gallery.List(context.Background(), f, page)
		require.NoError(t, err)
		require.LessOrEqual(t, len(got), limit)
		out = append(out, got...)
		if next.IsZero() {
			return out
		}
		require.Len(t, got, limit, "a page before the last is full")
		require.Equal(t, got[len(got)-1].Cursor(), next, "the next page starts after this one's last")
		page.After = next
	}
	t.Fatal("List never returned the last page")
	return nil
}
