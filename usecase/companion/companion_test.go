package companion_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
	"github.com/companionhub/companionhub/usecase/ratelimit"
)

func TestCreateAndReadBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner := e.user(t)
	c := e.create(t, owner)
	got, err := e.app.Get.Handle(context.Background(), companionuc.Get{OwnerID: owner, ID: c.ID()})
	require.NoError(t, err)
	require.Equal(t, fullSpec(), got.Profile().Spec(), "what was entered is what is shown back")
	require.Equal(t, []string{"navy cardigan", "white blouse", "pleated skirt"}, got.Scene().Outfit)
	require.Equal(t, "1girl, 26 years old, japanese, pale skin, violet eyes, long straight, silver hair, slim body, tall height, beauty mark",
		got.Profile().LockedIdentity())
	require.Equal(t, companion.Private, got.Visibility())
}

func TestCreateValidates(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner := e.user(t)
	spec := fullSpec()
	spec.Name, spec.Age = "", 17
	spec.Tags = make([]string, 33)
	spec.Persona.Description = strings.Repeat("x", companion.MaxLongText+1)
	spec.Card.Extensions = []byte(`[1,2]`)
	_, err := e.app.Create.Handle(context.Background(), companionuc.Create{OwnerID: owner, Profile: spec, Meta: meta})
	requireKind(t, err, domain.KindInvalid)
	fields := map[string]string{}
	for _, v := range domain.Violations(err) {
		fields[v.Field] = v.Code
	}
	require.Equal(t, map[string]string{"name": "required", "age": "too_young", "tags": "too_many",
		"persona.description": "too_long", "card.extensions": "format"}, fields)
	page, err := e.app.List.Handle(context.Background(), companionuc.List{OwnerID: owner, Page: domain.Page{Limit: 10}})
	require.NoError(t, err)
	require.Empty(t, page.Items)

	spec = fullSpec()
	spec.Age = 0
	_, err = e.app.Create.Handle(context.Background(), companionuc.Create{OwnerID: owner, Profile: spec, Meta: meta})
	require.Equal(t, []domain.FieldViolation{domain.Violation("age", "required", "is required: how old the companion is (18 or older)")},
		domain.Violations(err), "an age not given is missing, not too young")
}

func TestNamesHoldNothingInvisible(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner := e.user(t)
	ctx := context.Background()
	for in, code := range map[string]string{"Mi\u202Era": "format", "Mi\u200Bra": "format", "\uFEFFMira": "format",
		"\u200B": "required", " \u2066\u2069 ": "required"} {
		spec := fullSpec()
		spec.Name = in
		_, err := e.app.Create.Handle(ctx, companionuc.Create{OwnerID: owner, Profile: spec, Meta: meta})
		v := domain.Violations(err)
		require.Len(t, v, 1, "%q: %v", in, err)
		require.Equal(t, "name", v[0].Field)
		require.Equal(t, code, v[0].Code, "%q", in)
	}
	spec := fullSpec()
	spec.Name = " Zoe\u0301 "
	c, err := e.app.Create.Handle(ctx, companionuc.Create{OwnerID: owner, Profile: spec, Meta: meta})
	require.NoError(t, err)
	require.Equal(t, "Zo\u00e9", c.Profile().Name(), "trimmed and NFC-normalised")
}

func TestCreationsAreRateLimited(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(d *companionuc.Deps) { d.Policy.CreateRule.Limit = ratelimit.Limit{Count: 2, Period: time.Hour} })
	owner := e.user(t)
	e.create(t, owner)
	e.create(t, owner)
	_, err := e.app.Create.Handle(context.Background(), companionuc.Create{OwnerID: owner, Profile: fullSpec(), Meta: meta})
	require.ErrorIs(t, err, ratelimit.ErrLimited)
	e.create(t, e.user(t)) // per owner
}

func TestForeignCompanionsAreNotFound(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, stranger := e.user(t), e.user(t)
	c := e.create(t, owner)
	ctx := context.Background()
	_, err := e.app.Get.Handle(ctx, companionuc.Get{OwnerID: stranger, ID: c.ID()})
	require.ErrorIs(t, err, companion.ErrNotFound)
	_, err = e.app.Update.Handle(ctx, companionuc.Update{OwnerID: stranger, ID: c.ID(), Meta: meta,
		Change: func(s companion.ProfileSpec) (companion.ProfileSpec, error) { return s, nil }})
	require.ErrorIs(t, err, companion.ErrNotFound)
	_, err = e.app.Delete.Handle(ctx, companionuc.Delete{OwnerID: stranger, ID: c.ID(), Meta: meta})
	require.ErrorIs(t, err, companion.ErrNotFound)
	_, err = e.app.Restore.Handle(ctx, companionuc.Restore{OwnerID: stranger, ID: c.ID(), Meta: meta})
	require.ErrorIs(t, err, companion.ErrNotFound)
	_, err = e.app.SetHeader.Handle(ctx, companionuc.SetHeader{OwnerID: stranger, ID: c.ID(), Image: pngImage(t, 10, 10), Meta: meta})
	require.ErrorIs(t, err, companion.ErrNotFound)
	require.Zero(t, e.blobCount(t), "no work was spent on a foreign id")
	_, err = e.app.ExportCard.Handle(ctx, companionuc.ExportCard{OwnerID: stranger, ID: c.ID(), Spec: companionuc.CardV2, Format: companionuc.CardJSON})
	require.ErrorIs(t, err, companion.ErrNotFound)
}

func TestUpdateIsLosslessAndKeepsTheScene(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner := e.user(t)
	c := e.create(t, owner)
	ctx := context.Background()
	// The chat moved the scene on (simulated through the store).
	live := companion.Hydrate(c.ID(), owner, c.Profile().Spec(), companion.Scene{Outfit: []string{"pajamas"},
		Location: "bedroom", Action: "yawning", Mood: companion.MoodPlayful}, c.Relationship(), c.Settings(),
		c.Header(), c.Visibility(), c.CreatedAt(), c.UpdatedAt(), time.Time{})
	require.NoError(t, e.store.Companions().Update(ctx, live))

	e.clock.Advance(time.Minute)
	got, err := e.app.Update.Handle(ctx, companionuc.Update{OwnerID: owner, ID: c.ID(), Meta: meta,
		Change: func(s companion.ProfileSpec) (companion.ProfileSpec, error) {
			s.DefaultOutfit = []string{"raincoat"}
			s.Persona.Quirks = append(s.Persona.Quirks, "Hums when reading")
			return s, nil
		}})
	require.NoError(t, err)
	want := fullSpec()
	want.DefaultOutfit = []string{"raincoat"}
	want.Persona.Quirks = append(want.Persona.Quirks, "Hums when reading")
	require.Equal(t, want, got.Profile().Spec(), "custom instruction, speech patterns, everything else kept")
	require.Equal(t, []string{"pajamas"}, got.Scene().Outfit, "editing never resets the live outfit")
	require.Equal(t, companion.MoodPlayful, got.Scene().Mood)

	_, err = e.app.Update.Handle(ctx, companionuc.Update{OwnerID: owner, ID: c.ID(), Meta: meta,
		Change: func(s companion.ProfileSpec) (companion.ProfileSpec, error) { s.Age = 12; return s, nil }})
	require.Equal(t, "too_young", domain.Violations(err)[0].Code)
	again, err := e.app.Get.Handle(ctx, companionuc.Get{OwnerID: owner, ID: c.ID()})
	require.NoError(t, err)
	require.Equal(t, 26, again.Profile().Age(), "a refused edit changes nothing")
}

func TestTrashRestoreAndPurge(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner := e.user(t)
	ctx := context.Background()
	c := e.create(t, owner)
	_, err := e.app.SetHeader.Handle(ctx, companionuc.SetHeader{OwnerID: owner, ID: c.ID(), Image: pngImage(t, 64, 48), Meta: meta})
	require.NoError(t, err)
	keep := e.create(t, owner)

	_, err = e.app.Delete.Handle(ctx, companionuc.Delete{OwnerID: owner, ID: c.ID(), Meta: meta})
	require.NoError(t, err)
	trashed, err := e.app.Get.Handle(ctx, companionuc.Get{OwnerID: owner, ID: c.ID()})
	require.NoError(t, err, "the owner can read the trash")
	require.True(t, trashed.Deleted())
	trash, err := e.app.List.Handle(ctx, companionuc.List{OwnerID: owner, Trashed: true, Page: domain.Page{Limit: 10}})
	require.NoError(t, err)
	require.Len(t, trash.Items, 1)

	restored, err := e.app.Restore.Handle(ctx, companionuc.Restore{OwnerID: owner, ID: c.ID(), Meta: meta})
	require.NoError(t, err)
	require.False(t, restored.Deleted())
	_, err = e.app.Delete.Handle(ctx, companionuc.Delete{OwnerID: owner, ID: c.ID(), Meta: meta})
	require.NoError(t, err)

	res, err := e.app.Purge.Handle(ctx, companionuc.Purge{})
	require.NoError(t, err)
	require.Zero(t, res.Companions, "within the retention period nothing is purged")
	e.clock.Advance(31 * 24 * time.Hour)
	res, err = e.app.Purge.Handle(ctx, companionuc.Purge{DryRun: true})
	require.NoError(t, err)
	require.Equal(t, 1, res.Companions)
	require.Equal(t, 1, res.Files)
	require.Equal(t, 1, e.blobCount(t), "a dry run deletes nothing")
	res, err = e.app.Purge.Handle(ctx, companionuc.Purge{})
	require.NoError(t, err)
	require.Equal(t, 1, res.Companions)
	require.Zero(t, e.blobCount(t), "the header file went with it")
	_, err = e.app.Restore.Handle(ctx, companionuc.Restore{OwnerID: owner, ID: c.ID(), Meta: meta})
	require.ErrorIs(t, err, companion.ErrNotFound, "purged for good")
	_, err = e.app.Get.Handle(ctx, companionuc.Get{OwnerID: owner, ID: keep.ID()})
	require.NoError(t, err)
}

func TestTheTrashIsReadOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, stranger := e.user(t), e.user(t)
	ctx := context.Background()
	c := e.create(t, owner)
	c, err := e.app.SetHeader.Handle(ctx, companionuc.SetHeader{OwnerID: owner, ID: c.ID(), Image: pngImage(t, 20, 20), Meta: meta})
	require.NoError(t, err)
	_, err = e.app.Delete.Handle(ctx, companionuc.Delete{OwnerID: owner, ID: c.ID(), Meta: meta})
	require.NoError(t, err)
	trashedAt := e.clock.Now()
	e.clock.Advance(time.Minute)

	// Reads answer, trashed as it is.
	got, err := e.app.Get.Handle(ctx, companionuc.Get{OwnerID: owner, ID: c.ID()})
	require.NoError(t, err)
	require.Equal(t, trashedAt, got.DeletedAt())
	require.Equal(t, fullSpec(), got.Profile().Spec())
	_, err = e.app.ExportCard.Handle(ctx, companionuc.ExportCard{OwnerID: owner, ID: c.ID(), Spec: companionuc.CardV2, Format: companionuc.CardJSON})
	require.NoError(t, err, "an export is a read")
	_, err = e.app.Get.Handle(ctx, companionuc.Get{OwnerID: stranger, ID: c.ID()})
	require.ErrorIs(t, err, companion.ErrNotFound, "someone else's trash is as unknown as the rest")

	// Writes answer companion_trashed, and change nothing.
	_, err = e.app.Update.Handle(ctx, companionuc.Update{OwnerID: owner, ID: c.ID(), Meta: meta,
		Change: func(s companion.ProfileSpec) (companion.ProfileSpec, error) { s.Name = "Changed"; return s, nil }})
	require.ErrorIs(t, err, companion.ErrTrashed)
	requireKind(t, err, domain.KindConflict)
	_, err = e.app.SetHeader.Handle(ctx, companionuc.SetHeader{OwnerID: owner, ID: c.ID(), Image: pngImage(t, 30, 30), Meta: meta})
	require.ErrorIs(t, err, companion.ErrTrashed)
	_, err = e.app.RemoveHeader.Handle(ctx, companionuc.RemoveHeader{OwnerID: owner, ID: c.ID(), Meta: meta})
	require.ErrorIs(t, err, companion.ErrTrashed)
	require.Equal(t, 1, e.blobCount(t), "no picture was stored or removed")
	_, err = e.app.Delete.Handle(ctx, companionuc.Delete{OwnerID: owner, ID: c.ID(), Meta: meta})
	require.NoError(t, err, "deleting what is in the trash changes nothing")
	got, err = e.app.Get.Handle(ctx, companionuc.Get{OwnerID: owner, ID: c.ID()})
	require.NoError(t, err)
	require.Equal(t, trashedAt, got.DeletedAt(), "it stays trashed when it was: retention is not extended")
	require.Equal(t, c.Header(), got.Header())
	require.Equal(t, "Mira Vale", got.Profile().Name())

	// Restored, it is writable again.
	_, err = e.app.Restore.Handle(ctx, companionuc.Restore{OwnerID: owner, ID: c.ID(), Meta: meta})
	require.NoError(t, err)
	_, err = e.app.Update.Handle(ctx, companionuc.Update{OwnerID: owner, ID: c.ID(), Meta: meta,
		Change: func(s companion.ProfileSpec) (companion.ProfileSpec, error) { s.Name = "Changed"; return s, nil }})
	require.NoError(t, err)
}
