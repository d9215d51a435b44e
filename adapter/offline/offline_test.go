package offline

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/envflag"
	"github.com/companionhub/companionhub/test/contract/llmtest"
	"github.com/companionhub/companionhub/usecase/llm"
)

// harness stages what an offline model can: every scenario where the model answers.
type harness struct{}

func (harness) Supports(s llmtest.Scenario) bool {
	switch s {
	case llmtest.Normal, llmtest.Usage, llmtest.JSONMode, llmtest.SplitUTF8, llmtest.Slow:
		return true
	}
	return false
}

func (harness) Model(t *testing.T, s llmtest.Scenario) llm.Model {
	if s == llmtest.Slow {
		return New(Config{TokensPerSecond: 2}) // a reply of ~25 words takes over ten seconds
	}
	return New(Config{})
}

func TestConformance(t *testing.T) {
	t.Parallel()
	llmtest.Run(t, harness{})
}

func req(system, user string) llm.Request {
	var msgs []llm.Message
	if system != "" {
		msgs = append(msgs, llm.Message{Role: llm.System, Content: system})
	}
	return llm.Request{Messages: append(msgs, llm.Message{Role: llm.User, Content: user})}
}

func complete(t *testing.T, r llm.Request) string {
	t.Helper()
	text, _, err := New(Config{}).Complete(t.Context(), r)
	require.NoError(t, err)
	return text
}

func TestReplyNamesTheCompanionAndQuotesTheUser(t *testing.T) {
	t.Parallel()
	text := complete(t, req("You are Mia, a cheerful barista.", "Hello there,\n  how are you?"))
	assert.True(t, strings.HasPrefix(text, "[Offline model] Hi! I'm Mia. You said: “Hello there, how are you?” "), text)
}

func TestCompanionName(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"You are Mia, a cheerful barista.":       "Mia",
		"you are Zoë Lefèvre, 27, from Montréal": "Zoë Lefèvre",
		"YOU ARE Kai.": "Kai",
		"You are now Mia Rose Anne Smith of the cafe":       "Mia Rose Anne",
		"You are a barista named Kai. You love tea.":        "Kai",
		"You are the girl called \"Luna\", shy and kind.":   "Luna",
		"You are **Mia**, a barista.":                       "Mia",
		"You are さくら。優しい。":                                  "さくら",
		"You are a helpful assistant.":                      fallbackName,
		"You are 27 years old.":                             fallbackName,
		"Rules first.\nYou are a friend.\nYou are Ava.":     "Ava",
		"Speak softly. Nobody is named here.":               fallbackName,
		"You are " + strings.Repeat("Abcdefghijklmnop ", 3): fallbackName, // too long to be a name
	}
	for system, want := range cases {
		got := companionName([]llm.Message{{Role: llm.System, Content: system}})
		assert.Equal(t, want, got, "system prompt %q", system)
	}
	// Only system messages name the companion; the user saying "you are" does not.
	got := companionName([]llm.Message{{Role: llm.User, Content: "You are Bob"}})
	assert.Equal(t, fallbackName, got)
}

func TestRepliesAreDeterministicAndVary(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, q := range []string{"hi", "hello", "hey", "good morning", "how are you", "what's up", "yo", "evening"} {
		r := req("You are Mia.", q)
		first := complete(t, r)
		assert.Equal(t, first, complete(t, r), "the same request must get the same reply")
		seen[first[strings.Index(first, "”")+len("”"):]] = true
	}
	assert.Greater(t, len(seen), 1, "the closing line should depend on the request")
}

func TestMaxTokensBoundsTheReplyInWords(t *testing.T) {
	t.Parallel()
	r := req("You are Mia.", "Tell me everything.")
	r.MaxTokens = 4
	text, usage, err := New(Config{}).Complete(t.Context(), r)
	require.NoError(t, err)
	assert.Equal(t, "[Offline model] Hi! I'm", text)
	assert.Equal(t, 4, usage.CompletionTokens)
	assert.Equal(t, 6, usage.PromptTokens) // "You are Mia." + "Tell me everything.": three words each
}

func TestStopEndsTheReplyBeforeTheFirstStopSequence(t *testing.T) {
	t.Parallel()
	r := req("You are Mia.", "Tell me everything.")
	r.Stop = []string{"never there", " I'm"}
	text, _, err := New(Config{}).Complete(t.Context(), r)
	require.NoError(t, err)
	assert.Equal(t, "[Offline model] Hi!", text)
}

func TestJSONModeEchoesTheStateBlock(t *testing.T) {
	t.Parallel()
	system := "Analyse the scene. Answer with JSON keys outfit, location, action_summary, mood.\n" +
		"- outfit: what they wear\n- mood: one word" // an instruction list: an earlier block
	user := "Current state:\n  - Outfit: red sundress, sandals\n* LOCATION: \"beach boardwalk\"\n" +
		"Action_Summary: leaning on the railing\nmood: happy\n\nLast reply: Mia: Look at the waves!"
	r := req(system, user)
	r.JSON = true
	assert.Equal(t, `{"reasoning":"offline model: no change","outfit":"red sundress, sandals",`+
		`"location":"beach boardwalk","action_summary":"leaning on the railing","is_user_present":false,`+
		`"visual_tags":"","expression":"neutral","lighting":"soft lighting","mood":"happy"}`, complete(t, r))

	// A person the block says is there stays there.
	r = req(system, "Current state:\noutfit: jeans\nlocation: park\nuser present: yes\n")
	r.JSON = true
	assert.Contains(t, complete(t, r), `"location":"park","action_summary":"","is_user_present":true,`)
}

func TestJSONModeWithoutABlock(t *testing.T) {
	t.Parallel()
	for _, user := range []string{
		"No state here.",
		"mood: happy", // one key is not a block
		"outfit: jeans\nsomething else\nmood: calm", // interrupted: two blocks of one key
	} {
		r := req("You are Mia.", user)
		r.JSON = true
		text := complete(t, r)
		assert.Equal(t, `{"reasoning":"offline model","outfit":"","location":"","action_summary":"",`+
			`"is_user_present":false,"visual_tags":"","expression":"","lighting":"","mood":""}`, text, "prompt %q", user)
		assert.True(t, json.Valid([]byte(text)))
	}
}

func TestStreamPiecesAreWordsWithTheirSpaces(t *testing.T) {
	t.Parallel()
	var pieces []string
	usage, err := New(Config{TokensPerSecond: 1e6}).Stream(t.Context(), req("You are Mia.", "hi"), func(s string) error {
		pieces = append(pieces, s)
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"[Offline", " model]", " Hi!", " I'm", " Mia."}, pieces[:5])
	assert.Equal(t, len(pieces), usage.CompletionTokens)
}

func TestConfig(t *testing.T) {
	t.Parallel()
	require.NoError(t, DefaultConfig().Validate())
	require.NoError(t, Config{}.Validate())
	for _, tps := range []float64{-1, math.NaN(), math.Inf(1)} {
		err := Config{TokensPerSecond: tps}.Validate()
		var fe *envflag.FieldError
		require.ErrorAs(t, err, &fe, "TokensPerSecond %v", tps)
		assert.Equal(t, "TokensPerSecond", fe.Path)
		assert.Panics(t, func() { New(Config{TokensPerSecond: tps}) })
	}

	c := DefaultConfig()
	env := map[string]string{"COMPANIONHUB_OFFLINE_TOKENS_PER_SECOND": "12.5"}
	b, err := envflag.Bind(flag.NewFlagSet("test", flag.ContinueOnError), "COMPANIONHUB_", &c,
		func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	require.NoError(t, err)
	require.NoError(t, b.Apply())
	assert.Equal(t, 12.5, c.TokensPerSecond)
}

func TestChatReplyPlaysAlongWithTheScene(t *testing.T) {
	m := New(Config{})
	sys := "You are Mika, a tsundere.\n\nCURRENT SCENE\n- You are: wiping a cup\n- You are wearing: apron\n- Where: café counter\n- Your mood: playful\n"
	text, _, err := m.Complete(context.Background(), llm.Request{Messages: []llm.Message{
		{Role: llm.System, Content: sys}, {Role: llm.User, Content: "hi"}}})
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(text, "[Offline model] Hi! I'm Mika. You said: “hi” Right now I'm wiping a cup, here in the café counter, feeling playful. "), text)
}

// The running summary's call gets a labelled sketch of the newest messages it was given.
func TestSummarySketchQuotesTheNewestMessages(t *testing.T) {
	var b strings.Builder
	b.WriteString("SUMMARY SO FAR\nThey met.\n\nNEW MESSAGES (oldest first)\n")
	for i := range 9 {
		fmt.Fprintf(&b, "Alex: message number %d\n", i)
	}
	b.WriteString("\nWrite the updated summary.")
	got, _, err := New(Config{}).Complete(context.Background(), llm.Request{Messages: []llm.Message{
		{Role: llm.System, Content: "You keep the running summary of a long roleplay conversation."},
		{Role: llm.User, Content: b.String()}}})
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(got, label), got)
	require.Contains(t, got, "Alex: message number 8")
	require.Contains(t, got, "Alex: message number 3")
	require.NotContains(t, got, "message number 2", "the newest six only")
}
