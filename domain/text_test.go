package domain_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
)

func TestTruncate(t *testing.T) {
	t.Parallel()
	require.Equal(t, "abc", domain.Truncate("abc", 5))
	require.Equal(t, "ab", domain.Truncate("abc", 2))
	s := strings.Repeat("é", 10) // 2 bytes each
	for n := 0; n <= len(s); n++ {
		got := domain.Truncate(s, n)
		require.True(t, utf8.ValidString(got))
		require.LessOrEqual(t, len(got), n)
		require.GreaterOrEqual(t, len(got), n-1)
	}
}
