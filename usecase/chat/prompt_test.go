package chat

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/usecase/llm"
)

func TestMacros(t *testing.T) {
	t.Parallel()
	m := newMacros("Mika", "Alex", 7, 9)
	cases := map[string]string{
		"{{char}} waves at {{user}}.":      "Mika waves at Alex.",
		"{{CHAR}} and {{ User }}":          "Mika and Alex",
		"<BOT> meets <user>":               "Mika meets Alex",
		"a{{// a comment}}b":               "ab",
		"x{{comment: hidden}}y":            "xy",
		"{{hidden_key:lore}}z":             "z",
		"{{reverse:abc}}":                  "cba",
		"line{{newline}}next":              "line\nnext",
		"{{unknown}} stays":                "{{unknown}} stays",
		"unterminated {{char":              "unterminated {{char",
		"{{original}}":                     "",
		"{{pick:}}":                        "",
		"no macros at all, just text":      "no macros at all, just text",
		"émoji 👋 {{char}} ü":               "émoji 👋 Mika ü",
		"{{random:one}} and {{pick:solo}}": "one and solo",
	}
	for in, want := range cases {
		require.Equal(t, want, m.expand(in), in)
	}
	require.Equal(t, "before [ORIG] after", m.withOriginal("[ORIG]").expand("before {{original}} after"))

	// {{pick}} is stable for a chat; {{random}} and {{roll}} vary with the turn but stay in range.
	pick := m.expand("{{pick:red,green,blue,black,white}}")
	for turn := range uint64(20) {
		require.Equal(t, pick, newMacros("Mika", "Alex", 7, turn).expand("{{pick:red,green,blue,black,white}}"))
	}
	seen := map[string]bool{}
	for turn := range uint64(50) {
		mm := newMacros("Mika", "Alex", 7, turn)
		seen[mm.expand("{{random:a,b,c}}")] = true
		roll := mm.expand("{{roll:d6}}")
		require.Contains(t, []string{"1", "2", "3", "4", "5", "6"}, roll)
	}
	require.Len(t, seen, 3, "random draws every option over many turns")
	require.Equal(t, "{{roll:x}}", m.expand("{{roll:x}}"), "a malformed roll is left as written")
}

func TestReplyParamsMatchWordsNotExactStrings(t *testing.T) {
	t.Parallel()
	base := replyParams("", "", "", "", false)
	require.Equal(t, 200, base.MaxTokens)
	require.InDelta(t, 0.9, base.Temperature, 1e-9)
	// The original matched "Casual" exactly, so the wizard's "casual" changed nothing.
	require.Equal(t, 150, replyParams("casual", "", "", "", false).MaxTokens)
	require.Equal(t, 300, replyParams("Poetic and verbose", "", "", "", false).MaxTokens)
	require.Equal(t, 150, replyParams("Poetic", "", "Somewhat Shy", "", false).MaxTokens, "shy caps the length")
	require.Equal(t, 200, replyParams("casual", "", "Overconfident", "", false).MaxTokens)
	require.InDelta(t, 0.95, replyParams("", "Eager", "", "", false).Temperature, 1e-9)
	require.InDelta(t, 0.85, replyParams("", "Slow Burn", "", "", false).Temperature, 1e-9)
	require.LessOrEqual(t, replyParams("", "", "", "Kuudere", false).MaxTokens, 120)
	deep := replyParams("casual", "Eager", "Very Shy", "", true)
	require.Equal(t, 400, deep.MaxTokens)
	require.InDelta(t, 0.7, deep.Temperature, 1e-9)
}

func testProfile(t *testing.T, edit func(*companion.ProfileSpec)) companion.Profile {
	t.Helper()
	spec := companion.ProfileSpec{Name: "Mika", Age: 24, ContentRating: companion.RatingMature,
		Persona: companion.Persona{Archetype: "Tsundere", RelationshipToUser: "Neighbor", Occupation: "Barista",
			Description:    "{{char}} lives next door to {{user}} and pretends not to care.",
			BehaviorTraits: []string{"Teasing", "Protective", "Shy at first", "Jealous"}, EmotionalTraits: []string{"Easily embarrassed"},
			SpeechPatterns: []string{"ugh", "whatever"}, Quirks: []string{"Bites lip when nervous"},
			CustomInstruction: "Call {{user}} 'dork' sometimes."},
		DefaultOutfit: []string{"white blouse", "black skirt"}, UserAppearance: "tall, messy black hair",
		Appearance: companion.Appearance{Style: companion.StyleAnime, Gender: companion.GenderFemale}}
	if edit != nil {
		edit(&spec)
	}
	p, err := companion.NewProfile(spec)
	require.NoError(t, err)
	return p
}

func testFacts(t *testing.T, edit func(*companion.ProfileSpec)) sceneFacts {
	p := testProfile(t, edit)
	return sceneFacts{Profile: p, Relationship: companion.Relationship{Affection: 72, Trust: 40}, Person: "Alex",
		Scene: companion.Scene{Outfit: []string{"white blouse", "black skirt"}, Location: "café counter", Action: "wiping a cup", Mood: companion.MoodPlayful},
		m:     newMacros("Mika", "Alex", 1, 2)}
}

func TestSystemPrompt(t *testing.T) {
	t.Parallel()
	f := testFacts(t, nil)
	f.Memories = []string{"Alex hates mornings", "Alex has a cat named Miso"}
	got := systemPrompt(f, "")
	for _, want := range []string{
		"You are Mika, a tsundere who is teasing, protective, shy at first toward Alex (your neighbor).",
		"Mika lives next door to Alex and pretends not to care.", // macros expanded
		"You are wearing: white blouse, black skirt", "Where: café counter", "You are: wiping a cup", "Your mood: playful",
		"How you feel about Alex: strong affection, deeply cares", "How much you trust Alex: somewhat guarded",
		"1. Alex hates mornings", "2. Alex has a cat named Miso",
		"Call Alex 'dork' sometimes.",
		"Alex is not physically with you",
		"ugh, whatever", "Bites lip when nervous",
		"Never write Alex's words, actions or thoughts",
		"keep explicit sexual content off the page",
	} {
		require.Contains(t, got, want)
	}
	require.NotContains(t, got, "messy black hair", "the person's looks only matter when they are there")
	require.NotContains(t, got, "{{")

	f.Scene.UserPresent = true // the last exchange put them together
	got = systemPrompt(f, "<START>\n{{user}}: hi\n{{char}}: ugh, hi.")
	require.Contains(t, got, "Alex is here with you in person.")
	require.Contains(t, got, "How Alex looks to you: tall, messy black hair")
	require.NotContains(t, got, "not physically with you")
	require.Contains(t, got, "Alex: hi\nMika: ugh, hi.")
}

func TestSystemPromptPossessiveMemoriesAndCardPrompts(t *testing.T) {
	t.Parallel()
	f := testFacts(t, func(s *companion.ProfileSpec) {
		s.Persona.BehaviorTraits = []string{"Possessive"}
		s.SystemPrompt = "Card rules for {{char}}.\n{{original}}"
		s.PostHistoryInstructions = "{{original}} Stay in {{char}}'s voice."
		s.ContentRating = companion.RatingGeneral
	})
	f.Memories = []string{"Alex met Sam yesterday"}
	got := systemPrompt(f, "")
	require.True(t, strings.HasPrefix(got, "Card rules for Mika.\nYou are Mika"), "the card's prompt wraps ours: %q", got[:60])
	require.Contains(t, got, "you remember everything about Alex")
	require.Contains(t, got, "no explicit or sexual content")
	require.Equal(t, "Reply as Mika now, in character, to Alex's last message. Stay in Mika's voice.", postHistory(f))
}

func TestAnalyzerPromptCarriesTheStateBlock(t *testing.T) {
	t.Parallel()
	f := testFacts(t, nil)
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	recent := []chat.Message{ // newest first, as the store returns them
		{Role: chat.RoleAssistant, Text: "Ugh, you again?", CreatedAt: at.Add(time.Minute)},
		{Role: chat.RoleUser, Text: "Hi Mika", CreatedAt: at},
	}
	msgs := analyzerPrompt(f, recent, "", "Can I get a latte?", "Fine. One latte.")
	require.Len(t, msgs, 2)
	require.Equal(t, llm.System, msgs[0].Role)
	require.Contains(t, msgs[0].Content, "action_summary")
	for _, m := range companion.Moods() {
		require.Contains(t, msgs[0].Content, m.String())
	}
	user := msgs[1].Content
	require.Contains(t, user, "CURRENT STATE\noutfit: white blouse, black skirt\nlocation: café counter\naction: wiping a cup\nmood: playful\n")
	require.Less(t, strings.Index(user, "User (Alex): Hi Mika"), strings.Index(user, "Companion (Mika): Ugh, you again?"), "oldest first")
	require.Contains(t, user, "LATEST INPUT (Alex): Can I get a latte?")
	require.Contains(t, user, "LATEST RESPONSE (Mika): Fine. One latte.")
}

// fakeMessages serves Recent from a slice (oldest first) and counts reads.
type fakeMessages struct {
	MessageRepository
	all   []chat.Message
	reads int
}

func (f *fakeMessages) recent(ctx context.Context, before domain.Cursor, limit int) ([]chat.Message, error) {
	return f.Recent(ctx, domain.ID{}, before, limit)
}

func (f *fakeMessages) Recent(_ context.Context, _ domain.ID, before domain.Cursor, limit int) ([]chat.Message, error) {
	f.reads++
	var out []chat.Message
	for i := len(f.all) - 1; i >= 0 && len(out) < limit; i-- {
		m := f.all[i]
		if !before.IsZero() && !m.CreatedAt.Before(before.At) {
			continue
		}
		out = append(out, m)
	}
	return out, nil
}

// runeCounter counts a token per rune: easy to reason about.
type runeCounter struct{}

func (runeCounter) Count(s string) int { return utf8.RuneCountInString(s) }

func TestFitHistoryKeepsTheNewestThatFitAndReadsNoMore(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	repo := &fakeMessages{}
	for i := range 100_000 {
		role := chat.RoleUser
		if i%2 == 1 {
			role = chat.RoleAssistant
		}
		repo.all = append(repo.all, chat.Message{ID: domain.NewID(at), Role: role, Text: "0123456789", CreatedAt: at.Add(time.Duration(i) * time.Second)})
	}
	f := testFacts(t, nil)
	answered := repo.all[len(repo.all)-2] // a user message
	before := domain.Cursor{At: answered.CreatedAt, ID: answered.ID}
	h, err := fitHistory(context.Background(), repo.recent, runeCounter{}, before, 140, f)
	require.NoError(t, err)
	require.Len(t, h.Messages, 10, "each message costs 10+4 tokens")
	require.True(t, h.Omitted)
	require.Equal(t, 140, h.Tokens)
	require.Equal(t, 1, repo.reads, "a full budget stops reading")
	require.Equal(t, llm.User, h.Messages[0].Role, "oldest first: the 10th newest before the answered one is a user message")
	require.Equal(t, llm.Assistant, h.Messages[9].Role)

	small := &fakeMessages{all: repo.all[:3]}
	h, err = fitHistory(context.Background(), small.recent, runeCounter{}, domain.Cursor{}, 1000, f)
	require.NoError(t, err)
	require.Len(t, h.Messages, 3)
	require.False(t, h.Omitted, "everything fit")
}

func TestPromptKeepsEveryTraitAndFailsSafe(t *testing.T) {
	t.Parallel()
	f := testFacts(t, func(s *companion.ProfileSpec) {
		s.Persona.BehaviorTraits = []string{"Teasing", "Loves bad puns"}
		s.Persona.EmotionalTraits = []string{"Anxious", "Warm"}
		s.ContentRating = companion.ContentRating{}
	})
	got := systemPrompt(f, "")
	require.Contains(t, got, "you poke fun at Alex")
	require.Contains(t, got, "Also: loves bad puns.", "a trait the prompt has no words for is kept as written")
	require.Contains(t, got, "Emotionally: anxious, warm.")
	require.Contains(t, got, "no explicit or sexual content", "an unknown rating is treated as general")
	require.Equal(t, 200, replyParams("informal", "", "", "", false).MaxTokens, "words, not substrings: informal is not formal")
}

func TestMergeRolesKeepsTurnsAlternating(t *testing.T) {
	t.Parallel()
	in := []llm.Message{{Role: llm.System, Content: "s"}, {Role: llm.User, Content: "a"}, {Role: llm.User, Content: "b"},
		{Role: llm.Assistant, Content: "c"}, {Role: llm.User, Content: "[event]"}, {Role: llm.User, Content: "d"}}
	require.Equal(t, []llm.Message{{Role: llm.System, Content: "s"}, {Role: llm.User, Content: "a\n\nb"},
		{Role: llm.Assistant, Content: "c"}, {Role: llm.User, Content: "[event]\n\nd"}}, mergeRoles(in))
	require.Equal(t, "a", in[1].Content, "the input is not changed")
}
