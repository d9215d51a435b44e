package companion

// Scene is where the companion is and what it is doing and feeling right now. It changes turn by
// turn and is snapshotted on every reply, so rewinding a chat restores it.
type Scene struct {
	Outfit   []string // garments being worn
	Location string
	Action   string // present tense, observable
	Mood     Mood
	// UserPresent says the story has the person physically with the companion; false: they are
	// talking by message.
	UserPresent bool
}

// Defaults of a new companion's scene.
const (
	DefaultLocation = "living room"
	DefaultAction   = "looking at viewer"
)

// NewScene validates a scene: at most MaxTags garments, bounded texts, a known mood.
func NewScene(s Scene) (Scene, error) {
	var c checker
	s.Outfit = c.list("scene.outfit", s.Outfit, MaxGarmentLen)
	s.Location = c.text("scene.location", s.Location, MaxSceneText, false, false)
	s.Action = c.text("scene.action", s.Action, MaxSceneText, false, false)
	if s.Mood.s == "" {
		s.Mood = MoodNeutral
	}
	return s, c.err()
}

// startingScene is the scene a companion starts in: its default outfit, at home, at ease.
func startingScene(p Profile) Scene {
	return Scene{Outfit: clone(p.spec.DefaultOutfit), Location: DefaultLocation, Action: DefaultAction, Mood: MoodNeutral}
}

// Relationship is how close the companion is to its person: affection and trust, 0–100.
type Relationship struct {
	Affection int
	Trust     int
}

// Relationship bounds (SPEC §2): both start at 50 and move at most 3 per turn.
const (
	RelationshipStart   = 50
	RelationshipMin     = 0
	RelationshipMax     = 100
	MaxRelationshipStep = 3
)

// NewRelationship validates levels within 0–100.
func NewRelationship(affection, trust int) (Relationship, error) {
	var c checker
	for _, l := range []struct {
		field string
		v     int
	}{{"relationship.affection", affection}, {"relationship.trust", trust}} {
		if l.v < RelationshipMin || l.v > RelationshipMax {
			c.add(l.field, "out_of_range", "must be between 0 and 100")
		}
	}
	return Relationship{Affection: affection, Trust: trust}, c.err()
}

// StartingScene is the scene a companion with this profile starts in (and goes back to when its
// whole conversation is deleted).
func (p Profile) StartingScene() Scene { return startingScene(p) }
