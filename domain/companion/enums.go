package companion

import (
	"strings"

	"github.com/companionhub/companionhub/domain"
)

// parseEnum finds s among all (the values of one closed set); field names the input for the error.
func parseEnum[T ~struct{ s string }](field, s string, all []T) (T, error) {
	names := make([]string, len(all))
	for i, v := range all {
		if names[i] = struct{ s string }(v).s; names[i] == s {
			return v, nil
		}
	}
	var zero T
	return zero, domain.Invalid(domain.Violation(field, "one_of", "must be one of "+strings.Join(names, ", ")))
}

// ArtStyle picks the look of pictures (and, later, the image model's checkpoint).
type ArtStyle struct{ s string }

var (
	StyleAnime     = ArtStyle{"anime"}
	StyleRealistic = ArtStyle{"realistic"}
	artStyles      = []ArtStyle{StyleAnime, StyleRealistic}
)

// ParseArtStyle reads an art style; field names the input for the error.
func ParseArtStyle(field, s string) (ArtStyle, error) { return parseEnum(field, s, artStyles) }
func (a ArtStyle) String() string                     { return a.s }

// ContentRating says how explicit a companion may be.
type ContentRating struct{ s string }

var (
	RatingGeneral  = ContentRating{"general"}
	RatingMature   = ContentRating{"mature"}
	RatingExplicit = ContentRating{"explicit"}
	ratings        = []ContentRating{RatingGeneral, RatingMature, RatingExplicit}
)

// ParseContentRating reads a content rating.
func ParseContentRating(field, s string) (ContentRating, error) { return parseEnum(field, s, ratings) }
func (r ContentRating) String() string                          { return r.s }

// Gender is how pictures depict the companion (the subject tag of the locked identity).
type Gender struct{ s string }

var (
	GenderUnspecified = Gender{"unspecified"}
	GenderFemale      = Gender{"female"}
	GenderMale        = Gender{"male"}
	GenderNonbinary   = Gender{"nonbinary"}
	genders           = []Gender{GenderUnspecified, GenderFemale, GenderMale, GenderNonbinary}
)

// ParseGender reads a gender.
func ParseGender(field, s string) (Gender, error) { return parseEnum(field, s, genders) }
func (g Gender) String() string                   { return g.s }

// subjectTag is the image-model tag for the gender ("" when unspecified).
func (g Gender) subjectTag() string {
	switch g {
	case GenderFemale:
		return "1girl"
	case GenderMale:
		return "1boy"
	case GenderNonbinary:
		return "1other"
	}
	return ""
}

// Visibility says who can see a companion.
type Visibility struct{ s string }

var (
	Private      = Visibility{"private"}
	Public       = Visibility{"public"}
	visibilities = []Visibility{Private, Public}
)

// ParseVisibility reads a visibility.
func ParseVisibility(field, s string) (Visibility, error) { return parseEnum(field, s, visibilities) }
func (v Visibility) String() string                       { return v.s }

// Mood is the companion's emotional state, one of twelve (SPEC §2).
type Mood struct{ s string }

var (
	MoodNeutral      = Mood{"neutral"}
	MoodHappy        = Mood{"happy"}
	MoodPlayful      = Mood{"playful"}
	MoodAffectionate = Mood{"affectionate"}
	MoodExcited      = Mood{"excited"}
	MoodFlirty       = Mood{"flirty"}
	MoodMelancholic  = Mood{"melancholic"}
	MoodIrritated    = Mood{"irritated"}
	MoodJealous      = Mood{"jealous"}
	MoodWorried      = Mood{"worried"}
	MoodEmbarrassed  = Mood{"embarrassed"}
	MoodAroused      = Mood{"aroused"}
	moods            = []Mood{MoodNeutral, MoodHappy, MoodPlayful, MoodAffectionate, MoodExcited, MoodFlirty,
		MoodMelancholic, MoodIrritated, MoodJealous, MoodWorried, MoodEmbarrassed, MoodAroused}
)

// ParseMood reads a mood.
func ParseMood(field, s string) (Mood, error) { return parseEnum(field, s, moods) }
func (m Mood) String() string                 { return m.s }

// Moods lists every mood, in the order of SPEC §2.
func Moods() []Mood { return append([]Mood(nil), moods...) }

// MarshalText writes the mood's name (the zero Mood, "no mood given", as ""), so values that carry
// moods — scene updates between pipeline steps, workflow payloads — survive encoding.
func (m Mood) MarshalText() ([]byte, error) { return []byte(m.s), nil }

// UnmarshalText reads a mood's name; "" is the zero Mood.
func (m *Mood) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*m = Mood{}
		return nil
	}
	v, err := ParseMood("mood", string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}
