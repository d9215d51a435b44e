package llmtest

import (
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/llm"
)

func testRateLimited(t *testing.T, m llm.Model) {
	streamErr, completeErr := failBoth(t, m, chat())
	for _, err := range []error{streamErr, completeErr} {
		e := requireKind(t, err, domain.KindRateLimited)
		// An HTTP date has whole seconds, so the wait left may be up to a second shorter.
		assert.LessOrEqual(t, e.RetryAfter, RetryAfter, "RetryAfter")
		assert.Greater(t, e.RetryAfter, RetryAfter-1500*time.Millisecond, "RetryAfter")
	}
}

func testServerError(t *testing.T, m llm.Model) {
	streamErr, completeErr := failBoth(t, m, chat())
	requireKind(t, streamErr, domain.KindUnavailable)
	requireKind(t, completeErr, domain.KindUnavailable)
}

// testStreamCut allows the pieces that arrived before the cut, and requires llm.ErrStreamCut
// from Stream, so callers can tell a cut reply from one that never started.
func testStreamCut(t *testing.T, m llm.Model) {
	var got string
	_, err := m.Stream(t.Context(), chat(), func(s string) error {
		assert.True(t, s != "" && utf8.ValidString(s), "bad piece %q", s)
		got += s
		return nil
	})
	requireKind(t, err, domain.KindUnavailable)
	require.ErrorIs(t, err, llm.ErrStreamCut)
	_, _, err = m.Complete(t.Context(), chat())
	requireKind(t, err, domain.KindUnavailable)
}

func testSlowFirstToken(t *testing.T, m llm.Model) {
	streamErr, completeErr := failBoth(t, m, chat())
	requireKind(t, streamErr, domain.KindUnavailable)
	requireKind(t, completeErr, domain.KindUnavailable)
}

func testUnauthorized(t *testing.T, m llm.Model) {
	streamErr, completeErr := failBoth(t, m, chat())
	requireKind(t, streamErr, domain.KindInternal)
	requireKind(t, completeErr, domain.KindInternal)
}

func testBadRequest(t *testing.T, m llm.Model) {
	streamErr, completeErr := failBoth(t, m, chat())
	requireKind(t, streamErr, domain.KindInvalid)
	requireKind(t, completeErr, domain.KindInvalid)
}

// testContentFilter allows text before the filter stopped the reply: providers moderate as they
// generate.
func testContentFilter(t *testing.T, m llm.Model) {
	_, _, err := stream(t, t.Context(), m, chat())
	requireKind(t, err, domain.KindInvalid)
	_, _, err = m.Complete(t.Context(), chat())
	requireKind(t, err, domain.KindInvalid)
}
