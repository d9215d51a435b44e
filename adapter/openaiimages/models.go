package openaiimages

import (
	"image"
	"math"
	"strings"
)

// family is what the API accepts of a group of models.
type family struct {
	// sizes are the sizes the models draw; nil: any size (another server's model).
	sizes []image.Point
	// responseFormat: the models accept response_format (the GPT image models refuse it).
	responseFormat bool
}

var (
	dallE2   = family{sizes: []image.Point{{256, 256}, {512, 512}, {1024, 1024}}, responseFormat: true}
	dallE3   = family{sizes: []image.Point{{1024, 1024}, {1792, 1024}, {1024, 1792}}, responseFormat: true}
	gptImage = family{sizes: []image.Point{{1024, 1024}, {1536, 1024}, {1024, 1536}}}
	other    = family{responseFormat: true}
)

// familyOf recognises OpenAI's models by name — their dated snapshots too — and takes any other
// name for another server's model.
func familyOf(model string) family {
	m := strings.ToLower(model)
	is := func(name string) bool { return m == name || strings.HasPrefix(m, name+"-") }
	switch {
	case is("dall-e-2"):
		return dallE2
	case is("dall-e-3"):
		return dallE3
	case strings.HasPrefix(m, "gpt-image-") || strings.HasPrefix(m, "chatgpt-image-"):
		return gptImage
	default:
		return other
	}
}

// size is the size to ask for a picture of want: want itself when the family draws any size,
// else the size of the nearest aspect ratio, and among sizes of that ratio the smallest that
// covers want (the cheapest that need not be enlarged), or the largest when none does.
func (f family) size(want image.Point) image.Point {
	if f.sizes == nil {
		return want
	}
	best := f.sizes[0]
	for _, s := range f.sizes[1:] {
		if better(s, best, want) {
			best = s
		}
	}
	return best
}

// better reports whether s suits want better than t (see size).
func better(s, t, want image.Point) bool {
	ds, dt := ratioDistance(s, want), ratioDistance(t, want)
	if math.Abs(ds-dt) > 1e-9 {
		return ds < dt
	}
	cs, ct := s.X >= want.X && s.Y >= want.Y, t.X >= want.X && t.Y >= want.Y
	switch {
	case cs && ct:
		return s.X*s.Y < t.X*t.Y
	case cs != ct:
		return cs
	default:
		return s.X*s.Y > t.X*t.Y
	}
}

// ratioDistance compares aspect ratios on a log scale, so that 2:1 and 1:2 are as far from 1:1.
func ratioDistance(a, b image.Point) float64 {
	return math.Abs(math.Log(float64(a.X)/float64(a.Y)) - math.Log(float64(b.X)/float64(b.Y)))
}
