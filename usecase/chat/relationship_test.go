package chat

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRelationshipWords(t *testing.T) {
	t.Parallel()
	// Every band at both of its ends (the bounds are inclusive upper bounds, reference §2.16), and
	// levels out of range, which count as the nearest bound.
	tests := []struct {
		levels           []int
		affection, trust string
	}{
		{[]int{math.MinInt, -1, 0, 15}, "guarded and distant", "wary, on guard"},
		{[]int{16, 30}, "cautious, keeping walls up", "cautious, testing boundaries"},
		{[]int{31, 45}, "warming up, slowly trusting", "somewhat guarded, not fully open"},
		{[]int{46, 50, 55}, "comfortable and friendly", "comfortable baseline"},
		{[]int{56, 70}, "genuinely fond, growing attachment", "trusts you, opens up willingly"},
		{[]int{71, 85}, "strong affection, deeply cares", "deeply trusts you, shares secrets"},
		{[]int{86, 100, 101, math.MaxInt}, "intensely devoted, deeply in love", "complete trust — tells you everything, holds nothing back"},
	}
	for _, tt := range tests {
		for _, l := range tt.levels {
			assert.Equal(t, tt.affection, AffectionWords(l), "affection %d", l)
			assert.Equal(t, tt.trust, TrustWords(l), "trust %d", l)
		}
	}
}
