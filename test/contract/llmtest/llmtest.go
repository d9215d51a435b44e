// Package llmtest is the conformance suite of the llm.Model port. Every adapter runs it — the
// OpenAI adapter against a local fake of the API (test/fakes/openaifake), the offline model as it
// is — so the offline model is trusted in tests for exactly what the OpenAI adapter does.
//
// The suite names scenarios; a harness builds a model that behaves as a scenario says (pointing
// the adapter at a fake that answers that way) and reports which scenarios it can stage. The
// suite needs deterministic models: within a scenario, the same request must get the same reply.
//
// What it checks, in port terms:
//   - pieces given to onText are never empty and always valid UTF-8, and join to the text Complete
//     returns for the same request;
//   - an error from onText stops the stream at once and is returned as is (errors.Is holds);
//   - a cancelled context makes the call fail without further pieces; the error wraps ctx.Err()
//     or has KindUnavailable (both adapters here do both: KindUnavailable wrapping ctx.Err());
//   - usage is reported when the provider reports it;
//   - JSON mode returns one valid JSON object;
//   - failures have the kinds the port documents, retryability included, a reason, and a
//     client-safe message that never contains the provider's text (ProviderText).
package llmtest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/llm"
)

// Scenario is a situation the harness stages for the model under test.
type Scenario int

const (
	// Normal: the model replies to every request, in at least two pieces when streamed.
	Normal Scenario = iota
	// Usage: like Normal, and the provider reports token usage (prompt and completion > 0).
	Usage
	// JSONMode: like Normal, and requests with JSON set get a JSON object.
	JSONMode
	// SplitUTF8: like Normal, the reply holds multi-byte characters, and the provider splits them
	// across its chunks (for a model that cannot split them, any reply with multi-byte characters).
	SplitUTF8
	// Slow: like Normal, but the streamed reply takes seconds at least, so the suite can cancel it
	// midway.
	Slow
	// The scenarios from RateLimited on are the provider's failures.

	// RateLimited: the provider answers 429 and asks to wait RetryAfter (a whole number of seconds).
	RateLimited
	// ServerError: the provider answers 500.
	ServerError
	// StreamCut: the provider's connection drops after the first piece of the reply, before it
	// says the reply is done (and, not streaming, in the middle of the answer).
	StreamCut
	// SlowFirstToken: the provider takes longer to start replying than the model is configured to
	// wait (the harness configures the model so).
	SlowFirstToken
	// Unauthorized: the provider rejects the credentials (401).
	Unauthorized
	// BadRequest: the provider rejects the request (400).
	BadRequest
	// ContentFilter: the provider's moderation stops the reply (finish_reason content_filter).
	ContentFilter
)

var scenarioNames = [...]string{"Normal", "Usage", "JSONMode", "SplitUTF8", "Slow", "RateLimited",
	"ServerError", "StreamCut", "SlowFirstToken", "Unauthorized", "BadRequest", "ContentFilter"}

func (s Scenario) String() string { return scenarioNames[s] }

// RetryAfter is the wait the provider asks for in the RateLimited scenario.
const RetryAfter = 7 * time.Second

// ProviderText is text a harness's provider should put in its error bodies; the suite checks that
// no error message meant for clients contains it.
const ProviderText = "llmtest-provider-detail-3f9c"

// Harness stages scenarios for the model under test.
type Harness interface {
	// Supports reports whether the harness can stage s. The checks of scenarios it cannot stage
	// are skipped (t.Skip, naming the scenario, so the test output shows what was not checked),
	// except Normal, which every model must support.
	Supports(s Scenario) bool
	// Model returns the model under test, behaving as s describes. It is called once per subtest;
	// cleanup goes through t.
	Model(t *testing.T, s Scenario) llm.Model
}

// Run runs the suite. Subtests run in parallel.
func Run(t *testing.T, h Harness) {
	require.True(t, h.Supports(Normal), "every model must support the Normal scenario")
	tests := []struct {
		name     string
		scenario Scenario
		fn       func(t *testing.T, m llm.Model)
	}{
		{"StreamJoinsToComplete", Normal, testStreamJoinsToComplete},
		{"StreamIsRepeatable", Normal, testStreamIsRepeatable},
		{"ConcurrentCalls", Normal, testConcurrentCalls},
		{"OverridesAreAccepted", Normal, testOverrides},
		{"OnTextErrorStopsTheStream", Normal, testOnTextError},
		{"CancelledContextFailsAtOnce", Normal, testCancelledBefore},
		{"UsageIsReported", Usage, testUsage},
		{"JSONModeReturnsAnObject", JSONMode, testJSONMode},
		{"SplitCharactersArriveWhole", SplitUTF8, testSplitUTF8},
		{"CancelStopsTheStream", Slow, testCancelMidway},
		{"RateLimitedIsRetryableWithRetryAfter", RateLimited, testRateLimited},
		{"ServerErrorIsUnavailable", ServerError, testServerError},
		{"CutStreamIsUnavailable", StreamCut, testStreamCut},
		{"SlowFirstTokenIsUnavailable", SlowFirstToken, testSlowFirstToken},
		{"UnauthorizedIsInternal", Unauthorized, testUnauthorized},
		{"BadRequestIsInvalid", BadRequest, testBadRequest},
		{"ContentFilterIsInvalid", ContentFilter, testContentFilter},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !h.Supports(tc.scenario) {
				t.Skipf("the harness cannot stage the %s scenario: %s", tc.scenario, unstaged(tc.scenario))
			}
			t.Parallel()
			tc.fn(t, h.Model(t, tc.scenario))
		})
	}
}

// unstaged says why a harness may be unable to stage s, for the skip that reports it.
func unstaged(s Scenario) string {
	if s >= RateLimited {
		return "a provider's failure, checked where a provider (or a fake of one) stages it"
	}
	return "the model under test cannot behave as the scenario says"
}

// chat is the request most checks send: a companion's system prompt and a user message.
func chat() llm.Request {
	return llm.Request{Messages: []llm.Message{
		{Role: llm.System, Content: "You are Mia, a cheerful barista who loves rainy days."},
		{Role: llm.User, Content: "Hi Mia! How was your day?"},
		{Role: llm.Assistant, Content: "Busy, but good! The rain kept everyone inside with cocoa."},
		{Role: llm.User, Content: "What did you drink?"},
	}}
}

// unicodeChat is a request in several scripts, for models that echo what they are told.
func unicodeChat() llm.Request {
	return llm.Request{Messages: []llm.Message{
		{Role: llm.System, Content: "You are Zoë Lefèvre, a café owner from Montréal."},
		{Role: llm.User, Content: "Bonjour Zoë! 今日はどう？ 🌧️☕"},
	}}
}

// stream runs Stream and collects the pieces, checking each as it arrives.
func stream(t *testing.T, ctx context.Context, m llm.Model, req llm.Request) ([]string, llm.Usage, error) {
	t.Helper()
	var pieces []string
	usage, err := m.Stream(ctx, req, func(s string) error {
		assert.NotEmpty(t, s, "onText was called with an empty piece")
		assert.True(t, utf8.ValidString(s), "onText was called with invalid UTF-8: %q", s)
		pieces = append(pieces, s)
		return nil
	})
	return pieces, usage, err
}

// complete runs Complete and checks that the text is valid UTF-8.
func complete(t *testing.T, m llm.Model, req llm.Request) (string, llm.Usage) {
	t.Helper()
	text, usage, err := m.Complete(t.Context(), req)
	require.NoError(t, err)
	require.True(t, utf8.ValidString(text), "Complete returned invalid UTF-8: %q", text)
	return text, usage
}

// requireKind checks a failure the way every caller relies on it: a *domain.Error of kind, with
// a reason, a message, the right retryability, and no provider text in what a client may see.
func requireKind(t *testing.T, err error, kind domain.Kind) *domain.Error {
	t.Helper()
	require.Error(t, err)
	e := domain.AsError(err)
	require.NotNil(t, e, "the error is not a *domain.Error: %v", err)
	assert.Equal(t, kind, domain.KindOf(err), "kind of %v", err)
	assert.Equal(t, kind.Retryable(), domain.KindOf(err).Retryable())
	assert.NotEmpty(t, e.Reason, "the error has no reason: %v", err)
	assert.NotEmpty(t, e.Message, "the error has no client-safe message: %v", err)
	for _, safe := range []string{e.Message, e.Reason, strings.Join(e.Hints, " ")} {
		assert.NotContains(t, safe, ProviderText, "provider text reached a client-facing field")
	}
	return e
}

// failBoth runs Stream and Complete of req, expects both to fail without delivering text, and
// returns the errors.
func failBoth(t *testing.T, m llm.Model, req llm.Request) (streamErr, completeErr error) {
	t.Helper()
	_, streamErr = m.Stream(t.Context(), req, func(s string) error {
		return errors.New("no text was expected, got " + s)
	})
	_, _, completeErr = m.Complete(t.Context(), req)
	return streamErr, completeErr
}
