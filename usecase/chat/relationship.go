package chat

// band is one row of the relationship table of reference §2.16: levels up to and including upTo
// are described by words.
type band struct {
	upTo  int
	words string
}

// The models are told how the companion feels in words, not numbers: a model reads "warming up,
// slowly trusting" far more reliably than "affection 40/100".
var (
	affectionBands = []band{
		{15, "guarded and distant"},
		{30, "cautious, keeping walls up"},
		{45, "warming up, slowly trusting"},
		{55, "comfortable and friendly"},
		{70, "genuinely fond, growing attachment"},
		{85, "strong affection, deeply cares"},
		{100, "intensely devoted, deeply in love"},
	}
	trustBands = []band{
		{15, "wary, on guard"},
		{30, "cautious, testing boundaries"},
		{45, "somewhat guarded, not fully open"},
		{55, "comfortable baseline"},
		{70, "trusts you, opens up willingly"},
		{85, "deeply trusts you, shares secrets"},
		{100, "complete trust — tells you everything, holds nothing back"},
	}
)

// AffectionWords describes an affection level (0–100; out-of-range levels count as the nearest
// bound) for the reply prompt.
func AffectionWords(level int) string { return describe(affectionBands, level) }

// TrustWords describes a trust level (0–100; out-of-range levels count as the nearest bound) for
// the reply prompt.
func TrustWords(level int) string { return describe(trustBands, level) }

func describe(bands []band, level int) string {
	for _, b := range bands {
		if level <= b.upTo {
			return b.words
		}
	}
	return bands[len(bands)-1].words
}
