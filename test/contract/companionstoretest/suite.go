// Package companionstoretest is the conformance suite for the companion store port
// (usecase/companion.Store) and the media index (usecase/media.Repository) behind it. Every
// implementation runs it:
//
//	companionstoretest.Run(t, func(t *testing.T) companionstoretest.Env { … })
package companionstoretest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
)

// Env is one empty store private to a test, and a way to make users (companions need an owner that
// exists).
type Env struct {
	Store    companionuc.Store
	NewOwner func(t *testing.T) domain.ID
}

// Run runs the whole suite; subtests run in parallel, each with its own Env.
func Run(t *testing.T, newEnv func(t *testing.T) Env) {
	t.Helper()
	tests := map[string]func(*testing.T, Env){
		"RoundTripKeepsEverything": testRoundTrip,
		"OwnerScoping":             testOwnerScoping,
		"Update":                   testUpdate,
		"SceneRoundTrips":          testScene,
		"SettingsRoundTrip":        testSettings,
		"ListPagesNewestFirst":     testList,
		"TrashAndPurgeListing":     testTrash,
		"HardDelete":               testHardDelete,
		"TransactionRollsBack":     testRollback,
		"ConcurrentEditsSerialise": testConcurrentEdits,
		"MediaIndex":               testMedia,
		"PublicHeader":             testPublicHeader,
	}
	for name, fn := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, newEnv(t))
		})
	}
}

var base = time.Date(2026, 4, 1, 9, 30, 15, 123456000, time.UTC)

var seq atomic.Int64

// richSpec exercises every field, with text that trips naive encodings.
func richSpec() companion.ProfileSpec {
	n := seq.Add(1)
	return companion.ProfileSpec{
		Name: fmt.Sprintf("Zoë «%d» O'Brien", n), Age: 27, ContentRating: companion.RatingMature,
		Persona: companion.Persona{
			Archetype: "Tsundere", RelationshipToUser: "Childhood friend", Occupation: "Barista",
			Description: "Line one.\n\n\"Quoted\" line two — with em dash and 😊.", Personality: "Warm, prickly",
			Scenario: "A rainy café at closing time", Interests: []string{"Reading", "Jazz"},
			SpeechStyle: "playful", SpeechPatterns: []string{"...right?", "ugh"}, BehaviorTraits: []string{"Teasing"},
			InitiationStyle: "Subtle & Hinting", ConfidenceLevel: "Balanced", EmotionalTraits: []string{"Guarded"},
			Vulnerabilities: []string{"Afraid of rejection"}, Quirks: []string{"Bites lip when nervous"},
			FlirtationStyle: "Awkward", HumorStyle: "Dry & Sarcastic", IntimacyPace: "Slow Burn",
			CustomInstruction: "Never break character.\tTabs stay.",
		},
		Appearance: companion.Appearance{Style: companion.StyleRealistic, Gender: companion.GenderFemale,
			Ethnicity: "Irish", SkinTone: "fair", EyeColor: "green", HairStyle: "messy bun", HairColor: "auburn",
			BodyType: "slim", Height: "tall", Tags: []string{"freckles"}},
		DefaultOutfit: []string{"black apron", "white shirt"}, UserAppearance: "Tall, glasses",
		Greeting: "Oh. It's you.", AlternateGreetings: []string{"You're late.", "Again?"},
		ExampleDialogue: "<START>\n{{user}}: Hi\n{{char}}: Hmph.", SystemPrompt: "{{original}} Stay terse.",
		PostHistoryInstructions: "Keep replies short.", CreatorNotes: "Made for tests.", Tags: []string{"slice of life", "café"},
		Voice: companion.Voice{Provider: "elevenlabs", VoiceID: "21m00Tcm4TlvDq8ikWAM", Enabled: true},
		Card: companion.CardData{
			// Odd spacing and key order must come back byte for byte.
			CharacterBook: []byte(`{"entries":[{"keys":["café"],"content":"x","extensions":{"position":1, "depth":4}}],  "name":"Book"}`),
			Extensions:    []byte(`{"talkativeness":"0.5","fav":false,"depth_prompt":{"prompt":"p","depth":4,"role":"system"}}`),
			Extra:         []byte(`{"creator":"someone","character_version":"1.2","x_unknown":[1,2.50,{"a":null}]}`),
			Top:           []byte(`{"unknown_top":true}`),
		},
	}
}

func newCompanion(t *testing.T, owner domain.ID, at time.Time) *companion.Companion {
	t.Helper()
	p, err := companion.NewProfile(richSpec())
	require.NoError(t, err)
	return companion.New(domain.NewID(at), owner, p, at)
}

func mustCreate(t *testing.T, e Env, owner domain.ID, at time.Time) *companion.Companion {
	t.Helper()
	c := newCompanion(t, owner, at)
	require.NoError(t, e.Store.Companions().Create(context.Background(), c))
	return c
}

func requireKind(t *testing.T, err error, k domain.Kind) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, k.String(), domain.KindOf(err).String(), "%v", err)
}

// requireSame compares two companions field by field, times at microsecond precision.
func requireSame(t *testing.T, want, got *companion.Companion) {
	t.Helper()
	require.Equal(t, want.ID(), got.ID())
	require.Equal(t, want.OwnerID(), got.OwnerID())
	ws, gs := want.Profile().Spec(), got.Profile().Spec()
	require.Equal(t, string(ws.Card.CharacterBook), string(gs.Card.CharacterBook), "character book byte for byte")
	require.Equal(t, string(ws.Card.Extensions), string(gs.Card.Extensions), "extensions byte for byte")
	require.Equal(t, string(ws.Card.Extra), string(gs.Card.Extra), "extra byte for byte")
	require.Equal(t, string(ws.Card.Top), string(gs.Card.Top), "top byte for byte")
	ws.Card, gs.Card = companion.CardData{}, companion.CardData{}
	require.Equal(t, ws, gs)
	require.Equal(t, want.Scene(), got.Scene())
	require.Equal(t, want.Relationship(), got.Relationship())
	require.Equal(t, want.Settings(), got.Settings())
	require.Equal(t, want.Header(), got.Header())
	require.Equal(t, want.Visibility(), got.Visibility())
	for _, p := range [][2]time.Time{{want.CreatedAt(), got.CreatedAt()}, {want.UpdatedAt(), got.UpdatedAt()},
		{want.DeletedAt(), got.DeletedAt()}} {
		require.True(t, p[0].Truncate(time.Microsecond).Equal(p[1]), "want %v, got %v", p[0], p[1])
	}
}
