package httpapi

import (
	"time"

	"github.com/companionhub/companionhub/internal/companionjson"
	"github.com/companionhub/companionhub/usecase/community"
)

// communityCompanionDTO is a published companion as anyone may see it: its shareable profile (no
// card data, nothing its owner wrote about themself), its header, its creator's display name and
// the publication's counters — never the owner's id, the scene, the relationship or the settings.
type communityCompanionDTO struct {
	ID              string                `json:"id"`
	Profile         companionjson.Profile `json:"profile"`
	HeaderImage     *imageDTO             `json:"header_image"`
	Creator         creatorDTO            `json:"creator"`
	PublishedAt     time.Time             `json:"published_at"`
	Views           int64                 `json:"views"`
	Clones          int64                 `json:"clones"`
	RatingAverage   float64               `json:"rating_average"`
	RatingCount     int64                 `json:"rating_count"`
	AllowCardExport bool                  `json:"allow_card_export"`
}

type creatorDTO struct {
	DisplayName string `json:"display_name"`
}

func toCommunityCompanion(l community.Listing) communityCompanionDTO {
	p := companionjson.FromSpec(l.Companion.Profile().Shareable().Spec())
	p.Card = companionjson.Card{}
	return communityCompanionDTO{ID: l.Companion.ID().String(), Profile: p, HeaderImage: toImage(l.Companion.Header()),
		Creator: creatorDTO{DisplayName: l.CreatorName}, PublishedAt: l.PublishedAt, Views: l.Views, Clones: l.Clones,
		RatingAverage: roundTenth(l.RatingAverage()), RatingCount: l.RatingCount, AllowCardExport: l.AllowCardExport}
}

// roundTenth rounds an average to a tenth of a star, as it is shown.
func roundTenth(f float64) float64 { return float64(int64(f*10+0.5)) / 10 }

type communityDetailDTO struct {
	Companion communityCompanionDTO `json:"companion"`
	MyRating  *int                  `json:"my_rating"` // null: not rated (or anonymous)
}

type publicationDTO struct {
	Publication communityCompanionDTO `json:"publication"`
}

type ratedDTO struct {
	RatingAverage float64 `json:"rating_average"`
	RatingCount   int64   `json:"rating_count"`
	MyRating      int     `json:"my_rating"`
}

type adultDTO struct {
	Adult bool `json:"adult"`
}
