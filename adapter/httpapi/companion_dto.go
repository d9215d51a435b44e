package httpapi

import (
	"time"

	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/eventjson"
	"github.com/companionhub/companionhub/internal/companionjson"
)

// companionDTO is a companion as the API shows it: the editable profile document, and the state the
// hub keeps around it (read-only here).
type companionDTO struct {
	ID             string                `json:"id"`
	Profile        companionjson.Profile `json:"profile"`
	LockedIdentity string                `json:"locked_identity"`
	Scene          eventjson.Scene       `json:"scene"`
	Relationship   relationshipDTO       `json:"relationship"`
	Settings       settingsDTO           `json:"settings"`
	HeaderImage    *imageDTO             `json:"header_image"`
	Visibility     string                `json:"visibility"`
	CreatedAt      time.Time             `json:"created_at"`
	UpdatedAt      time.Time             `json:"updated_at"`
	DeletedAt      *time.Time            `json:"deleted_at"`
}

type relationshipDTO struct {
	Affection int `json:"affection"`
	Trust     int `json:"trust"`
}

type imageDTO struct {
	URL         string `json:"url"`
	ContentType string `json:"content_type"`
	Bytes       int64  `json:"bytes"`
	Width       int    `json:"width"`
	Height      int    `json:"height"`
}

func toCompanion(c *companion.Companion) companionDTO {
	out := companionDTO{
		ID: c.ID().String(), Profile: companionjson.FromSpec(c.Profile().Spec()),
		LockedIdentity: c.Profile().LockedIdentity(),
		Scene:          eventjson.SceneOf(c.Scene()),
		Relationship:   relationshipDTO{Affection: c.Relationship().Affection, Trust: c.Relationship().Trust},
		Settings:       toSettings(c.Settings()),
		HeaderImage:    toImage(c.Header()), Visibility: c.Visibility().String(),
		CreatedAt: c.CreatedAt(), UpdatedAt: c.UpdatedAt(),
	}
	if c.Deleted() {
		at := c.DeletedAt()
		out.DeletedAt = &at
	}
	return out
}

func toImage(img media.Image) *imageDTO {
	if img.IsZero() {
		return nil
	}
	return &imageDTO{URL: eventjson.MediaURL(img.Key), ContentType: img.ContentType.String(), Bytes: img.Bytes,
		Width: img.Width, Height: img.Height}
}

type companionEnvelope struct {
	Companion companionDTO `json:"companion"`
}

type importedEnvelope struct {
	Companion companionDTO `json:"companion"`
	Warnings  []string     `json:"warnings"`
}

// profileDepth is how deep objects nest in the profile document outside card data (profile →
// persona → field): a merge patch never needs to recurse further.
const profileDepth = 2

// opaqueProfilePaths are the profile members a merge patch replaces whole: card data the hub
// carries verbatim.
var opaqueProfilePaths = map[string]bool{
	"card.character_book": true, "card.extensions": true, "card.extra": true, "card.top": true,
}
