package companion_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/blob"
	"github.com/companionhub/companionhub/adapter/charcard"
	"github.com/companionhub/companionhub/adapter/imaging"
	"github.com/companionhub/companionhub/adapter/memory"
	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/account"
	"github.com/companionhub/companionhub/domain/audit"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/test/clocktest"
	"github.com/companionhub/companionhub/test/sqlitetest"
	"github.com/companionhub/companionhub/usecase"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
	mediauc "github.com/companionhub/companionhub/usecase/media"
	"github.com/companionhub/companionhub/usecase/ratelimit"
)

// The companion use cases run against real adapters: SQLite, the in-memory blob store, the image
// pipeline, the card codec and the in-memory limiter, with a clock the test moves.
type env struct {
	app       *companionuc.App
	media     *mediauc.App
	mediaRepo mediauc.Repository
	store     *sqlstore.CompanionStore
	blobs     *blob.Store
	clock     *clocktest.Clock
	accounts  *sqlstore.AccountStore
}

func newEnv(t *testing.T, mutate ...func(*companionuc.Deps)) *env {
	t.Helper()
	ctx := context.Background()
	db := sqlitetest.Open(t)
	blobs, err := blob.Open(ctx, blob.Config{URL: "mem://"})
	require.NoError(t, err)
	t.Cleanup(func() { _ = blobs.Close() })
	clock := clocktest.New(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC))
	policy := companionuc.DefaultPolicy()
	policy.CreateRule.Limit = ratelimit.Limit{Count: 1000, Period: time.Hour}
	policy.UpdateRule.Limit = ratelimit.Limit{Count: 1000, Period: time.Hour}
	store := sqlstore.NewCompanionStore(db)
	d := companionuc.Deps{Store: store, Blobs: blobs, Images: imaging.New(), Cards: charcard.New(),
		Guard: ratelimit.NewGuard(memory.NewRateLimiter(clock), nil), Clock: clock, Policy: policy}
	for _, m := range mutate {
		m(&d)
	}
	app, err := companionuc.NewApp(d)
	require.NoError(t, err)
	// Blob stores stamp files with the real time, so orphan cleanup compares against the real clock.
	mediaApp, err := mediauc.NewApp(mediauc.Deps{Repo: sqlstore.MediaRepository(db), Blobs: blobs, Clock: usecase.SystemClock{}})
	require.NoError(t, err)
	return &env{app: app, media: mediaApp, mediaRepo: sqlstore.MediaRepository(db), store: store, blobs: blobs, clock: clock, accounts: sqlstore.NewAccountStore(db)}
}

var userSeq atomic.Int64

// user makes an account to own companions.
func (e *env) user(t *testing.T) domain.ID {
	t.Helper()
	n := userSeq.Add(1)
	email, _ := account.NewEmail(fmt.Sprintf("u%d@example.com", n))
	name, _ := account.NewUsername(fmt.Sprintf("user_%d", n))
	dn, _ := account.NewDisplayName("User")
	hash, _ := account.NewPasswordHash("$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaA")
	u, err := account.NewUser(domain.NewID(e.clock.Now()), email, name, dn, hash, e.clock.Now())
	require.NoError(t, err)
	require.NoError(t, e.accounts.Users().Create(context.Background(), u))
	return u.ID()
}

var meta = audit.Meta{IP: "192.0.2.4", UserAgent: "test"}

func fullSpec() companion.ProfileSpec {
	return companion.ProfileSpec{
		Name: "Mira Vale", Age: 26, ContentRating: companion.RatingMature,
		Persona: companion.Persona{Archetype: "Kuudere", RelationshipToUser: "Neighbor", Occupation: "Astronomer",
			Description: "Mira watches stars.\n\nShe rarely smiles.", Personality: "calm, dry", Scenario: "A rooftop at night",
			Interests: []string{"Telescopes", "Tea"}, SpeechStyle: "Formal", SpeechPatterns: []string{"well..."},
			BehaviorTraits: []string{"Reserved"}, InitiationStyle: "Waiting & Reactive", ConfidenceLevel: "Balanced",
			EmotionalTraits: []string{"Stoic"}, Vulnerabilities: []string{"Fears being abandoned"},
			Quirks: []string{"Counts stars when nervous"}, FlirtationStyle: "Subtle", HumorStyle: "Dry & Sarcastic",
			IntimacyPace: "Slow Burn", CustomInstruction: "Keep it PG unless asked."},
		Appearance: companion.Appearance{Style: companion.StyleAnime, Gender: companion.GenderFemale, Ethnicity: "Japanese",
			SkinTone: "pale", EyeColor: "violet", HairStyle: "long straight", HairColor: "silver", BodyType: "slim",
			Height: "tall", Tags: []string{"beauty mark"}},
		DefaultOutfit: []string{"navy cardigan", "white blouse", "pleated skirt"}, UserAppearance: "Short, messy hair",
		Greeting: "You came.", AlternateGreetings: []string{"The sky is clear tonight."}, ExampleDialogue: "<START>\n{{char}}: ...",
		SystemPrompt: "Stay in character.", PostHistoryInstructions: "Be brief.", CreatorNotes: "Test companion.",
		Tags: []string{"slice of life"}, Voice: companion.Voice{Provider: "elevenlabs", VoiceID: "EXAVITQu4vr4xnSDxMaL", Enabled: true},
	}
}

func (e *env) create(t *testing.T, owner domain.ID) *companion.Companion {
	t.Helper()
	c, err := e.app.Create.Handle(context.Background(), companionuc.Create{OwnerID: owner, Profile: fullSpec(), Meta: meta})
	require.NoError(t, err)
	return c
}

// pngImage draws a w×h picture.
func pngImage(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 128, 255})
		}
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

func requireKind(t *testing.T, err error, k domain.Kind) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, k.String(), domain.KindOf(err).String(), "%v", err)
}

// blobCount counts stored files.
func (e *env) blobCount(t *testing.T) int {
	t.Helper()
	n := 0
	for _, prefix := range []string{"img/", "aud/"} {
		require.NoError(t, e.blobs.List(context.Background(), prefix, func(mediauc.BlobInfo) error { n++; return nil }))
	}
	return n
}
