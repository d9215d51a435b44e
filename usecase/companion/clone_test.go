package companion_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/audit"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/media"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
)

// TestCloneIsAPrivateIndependentCopy: a clone has the source's shareable profile (nothing its
// owner wrote about themself), the starting scene and relationship, and a header picture in a
// file of its own that outlives the source's.
func TestCloneIsAPrivateIndependentCopy(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	author, cloner := e.user(t), e.user(t)
	src := e.create(t, author)
	src, err := e.app.SetHeader.Handle(ctx, companionuc.SetHeader{OwnerID: author, ID: src.ID(), Image: pngImage(t, 300, 200), Meta: meta})
	require.NoError(t, err)
	spec := src.Profile().Spec()
	require.NotEmpty(t, spec.UserAppearance)
	require.NotEmpty(t, spec.Persona.CustomInstruction)

	c, err := e.app.Clone.Handle(ctx, companionuc.Clone{OwnerID: cloner, Source: src, Meta: meta})
	require.NoError(t, err)
	require.NotEqual(t, src.ID(), c.ID())
	require.Equal(t, cloner, c.OwnerID())
	require.Equal(t, companion.Private, c.Visibility())
	got := c.Profile().Spec()
	require.Equal(t, spec.Name, got.Name)
	require.Equal(t, spec.Persona.Personality, got.Persona.Personality)
	require.Empty(t, got.UserAppearance, "what the author wrote about themself stays theirs")
	require.Empty(t, got.Persona.CustomInstruction)
	require.Equal(t, companion.Relationship{Affection: companion.RelationshipStart, Trust: companion.RelationshipStart}, c.Relationship())
	require.False(t, c.Header().IsZero())
	require.NotEqual(t, src.Header().Key, c.Header().Key, "a file of its own")
	row, err := e.store.Media().Get(ctx, c.Header().Key)
	require.NoError(t, err)
	require.Equal(t, cloner, row.OwnerID)
	require.Equal(t, media.KindHeader, row.Kind)

	// The source goes; the clone keeps its picture.
	_, err = e.app.RemoveHeader.Handle(ctx, companionuc.RemoveHeader{OwnerID: author, ID: src.ID(), Meta: meta})
	require.NoError(t, err)
	again, err := e.app.Get.Handle(ctx, companionuc.Get{OwnerID: cloner, ID: c.ID()})
	require.NoError(t, err)
	_, _, err = e.blobs.Get(ctx, again.Header().Key.String())
	require.NoError(t, err)
	events, _, err := e.store.Audit().ListByActor(ctx, cloner, domain.Page{Limit: 10})
	require.NoError(t, err)
	require.Equal(t, audit.ActionCompanionClone, events[0].Action)
	require.Equal(t, src.ID().String(), events[0].Details["origin"])
}

// TestCloneWithoutAPictureAndWithinTheLimit: a source without a header gives a clone without one;
// clones count against the creation limit.
func TestCloneWithoutAPictureAndWithinTheLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(d *companionuc.Deps) { d.Policy.CreateRule.Limit.Count = 2 })
	ctx := context.Background()
	src := e.create(t, e.user(t))
	cloner := e.user(t)
	c, err := e.app.Clone.Handle(ctx, companionuc.Clone{OwnerID: cloner, Source: src, Meta: meta})
	require.NoError(t, err)
	require.True(t, c.Header().IsZero())
	_, err = e.app.Clone.Handle(ctx, companionuc.Clone{OwnerID: cloner, Source: src, Meta: meta})
	require.NoError(t, err)
	_, err = e.app.Clone.Handle(ctx, companionuc.Clone{OwnerID: cloner, Source: src, Meta: meta})
	require.Error(t, err, "the third is over the limit")
}
