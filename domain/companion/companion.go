package companion

import (
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/media"
)

// Companion is the aggregate: one character owned by one user.
type Companion struct {
	id           domain.ID
	ownerID      domain.ID
	profile      Profile
	scene        Scene
	relationship Relationship
	settings     Settings
	header       media.Image
	visibility   Visibility
	createdAt    time.Time
	updatedAt    time.Time
	deletedAt    time.Time
}

// ErrNotFound is what every lookup of a companion that is absent, purged, or someone else's
// answers: a foreign id is indistinguishable from an unknown one.
var ErrNotFound = domain.E(domain.KindNotFound, "companion_not_found", "companion not found")

// ErrTrashed is what every change to a companion in the trash answers, whatever the area (profile,
// header image, chat): the trash is read-only. Its owner can still read it, and restore or purge it.
var ErrTrashed = domain.E(domain.KindConflict, "companion_trashed", "the companion is in the trash; restore it to change it")

// New creates a private companion from a validated profile, in its starting scene, with the
// relationship at its starting levels and the default settings.
func New(id, ownerID domain.ID, p Profile, now time.Time) *Companion {
	return &Companion{id: id, ownerID: ownerID, profile: p, scene: startingScene(p),
		relationship: Relationship{Affection: RelationshipStart, Trust: RelationshipStart},
		settings:     DefaultSettings(), visibility: Private, createdAt: now, updatedAt: now}
}

// Hydrate rebuilds a companion from storage. Only repositories call it; what they stored was
// validated on the way in.
func Hydrate(id, ownerID domain.ID, spec ProfileSpec, scene Scene, rel Relationship, settings Settings,
	header media.Image, vis Visibility, createdAt, updatedAt, deletedAt time.Time) *Companion {
	return &Companion{id: id, ownerID: ownerID, profile: Profile{spec: spec}, scene: scene, relationship: rel,
		settings: settings, header: header, visibility: vis, createdAt: createdAt, updatedAt: updatedAt, deletedAt: deletedAt}
}

// Shared is the companion as it speaks to people other than its owner (a published one someone
// else brought into a room): a copy whose profile is Shareable, so nothing of its owner reaches
// them.
func (c *Companion) Shared() *Companion {
	cp := *c
	cp.profile = c.profile.Shareable()
	return &cp
}

func (c *Companion) ID() domain.ID              { return c.id }
func (c *Companion) OwnerID() domain.ID         { return c.ownerID }
func (c *Companion) Profile() Profile           { return c.profile }
func (c *Companion) Scene() Scene               { s := c.scene; s.Outfit = clone(s.Outfit); return s }
func (c *Companion) Relationship() Relationship { return c.relationship }
func (c *Companion) Header() media.Image        { return c.header }
func (c *Companion) Visibility() Visibility     { return c.visibility }
func (c *Companion) CreatedAt() time.Time       { return c.createdAt }
func (c *Companion) UpdatedAt() time.Time       { return c.updatedAt }
func (c *Companion) DeletedAt() time.Time       { return c.deletedAt }
func (c *Companion) Deleted() bool              { return !c.deletedAt.IsZero() }

// Writable is nil unless the companion is in the trash (then ErrTrashed): what changes a companion
// asks it first.
func (c *Companion) Writable() error {
	if c.Deleted() {
		return ErrTrashed
	}
	return nil
}

// Edit replaces the profile. The scene is live state and stays as it is — editing the default outfit
// does not undress anyone (the original reset the outfit on every save).
func (c *Companion) Edit(p Profile, now time.Time) {
	c.profile = p
	c.updatedAt = now
}

// SetHeader sets the header image and returns the one it replaces (zero if none).
func (c *Companion) SetHeader(img media.Image, now time.Time) media.Image {
	old := c.header
	c.header = img
	c.updatedAt = now
	return old
}

// Delete moves the companion to the trash; it can be restored until it is purged.
func (c *Companion) Delete(now time.Time) {
	if c.deletedAt.IsZero() {
		c.deletedAt = now
		c.updatedAt = now
	}
}

// Restore takes the companion out of the trash.
func (c *Companion) Restore(now time.Time) {
	if !c.deletedAt.IsZero() {
		c.deletedAt = time.Time{}
		c.updatedAt = now
	}
}

// SetScene records where the companion is now (after a reply, or when an older reply is selected
// again and its scene restored).
func (c *Companion) SetScene(s Scene, now time.Time) {
	c.scene = s
	c.scene.Outfit = clone(s.Outfit)
	c.updatedAt = now
}

// AdjustRelationship moves affection and trust by at most MaxRelationshipStep each, within 0–100.
func (c *Companion) AdjustRelationship(affection, trust int, now time.Time) {
	step := func(level, d int) int {
		d = max(-MaxRelationshipStep, min(MaxRelationshipStep, d))
		return max(RelationshipMin, min(RelationshipMax, level+d))
	}
	c.relationship = Relationship{Affection: step(c.relationship.Affection, affection), Trust: step(c.relationship.Trust, trust)}
	c.updatedAt = now
}

// ResetRelationship puts affection and trust back where a companion starts (its memory wiped).
func (c *Companion) ResetRelationship(now time.Time) {
	c.relationship = Relationship{Affection: RelationshipStart, Trust: RelationshipStart}
	c.updatedAt = now
}

// ResetScene puts the companion back in the scene it starts in (when the conversation that moved
// it is deleted).
func (c *Companion) ResetScene(now time.Time) {
	c.SetScene(startingScene(c.profile), now)
}
