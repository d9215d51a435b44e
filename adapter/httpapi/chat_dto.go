package httpapi

import (
	"time"

	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/eventjson"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
)

// The chat resources as the API shows them.

type messageDTO struct {
	ID               string           `json:"id"`
	CompanionID      string           `json:"companion_id"`
	Role             string           `json:"role"`
	Text             string           `json:"text"`
	ReplyTo          string           `json:"reply_to,omitempty"`
	TurnID           string           `json:"turn_id,omitempty"`
	Selected         bool             `json:"selected"`
	Alternatives     int              `json:"alternatives,omitempty"`
	AlternativeIndex int              `json:"alternative_index,omitempty"`
	Scene            *eventjson.Scene `json:"scene,omitempty"`
	Image            *imageDTO        `json:"image,omitempty"`
	PictureID        string           `json:"picture_id,omitempty"`    // the image's gallery entry
	ImageRemoved     bool             `json:"image_removed,omitempty"` // the owner deleted the picture it showed
	Audio            *audioDTO        `json:"audio,omitempty"`
	CreatedAt        time.Time        `json:"created_at"`
	EditedAt         *time.Time       `json:"edited_at,omitempty"`
}

type audioDTO struct {
	URL string `json:"url"`
}

func toMessage(m chat.Message) messageDTO {
	d := messageDTO{ID: m.ID.String(), CompanionID: m.CompanionID.String(), Role: m.Role.String(), Text: m.Text,
		Selected: m.Selected, Image: toImage(m.Image), ImageRemoved: m.PictureRemoved, CreatedAt: m.CreatedAt}
	if !m.PictureID.IsZero() {
		d.PictureID = m.PictureID.String()
	}
	if !m.ReplyTo.IsZero() {
		d.ReplyTo = m.ReplyTo.String()
	}
	if !m.TurnID.IsZero() {
		d.TurnID = m.TurnID.String()
	}
	if m.Scene != nil {
		v := eventjson.SceneOf(*m.Scene)
		d.Scene = &v
	}
	if !m.AudioKey.IsZero() {
		d.Audio = &audioDTO{URL: eventjson.MediaURL(m.AudioKey)}
	}
	if !m.EditedAt.IsZero() {
		t := m.EditedAt
		d.EditedAt = &t
	}
	return d
}

func toHistoryItem(it chatuc.HistoryItem) messageDTO {
	d := toMessage(it.Message)
	if it.Message.Role == chat.RoleAssistant {
		d.Alternatives, d.AlternativeIndex = it.Alternatives, it.Index
	}
	return d
}

type turnOptionsDTO struct {
	DeepThink bool `json:"deep_think"`
	Image     bool `json:"image"`
	Voice     bool `json:"voice"`
}

type turnErrorDTO struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type turnDTO struct {
	ID              string         `json:"id"`
	CompanionID     string         `json:"companion_id"`
	UserMessageID   string         `json:"user_message_id"`
	Status          string         `json:"status"`
	Progress        int            `json:"progress"`
	Options         turnOptionsDTO `json:"options"`
	Regenerate      bool           `json:"regenerate"`
	CancelRequested bool           `json:"cancel_requested"`
	ReplyID         string         `json:"reply_id,omitempty"`
	Error           *turnErrorDTO  `json:"error,omitempty"`
	EventsURL       string         `json:"events_url"`
	CreatedAt       time.Time      `json:"created_at"`
	UpdatedAt       time.Time      `json:"updated_at"`
}

func toTurn(turn chat.Turn) turnDTO {
	t := turn.Record()
	d := turnDTO{ID: t.ID.String(), CompanionID: t.CompanionID.String(), UserMessageID: t.UserMessageID.String(),
		Status: t.Status.String(), Progress: t.Progress, Regenerate: t.Regenerate, CancelRequested: t.CancelRequested,
		Options:   turnOptionsDTO{DeepThink: t.Options.DeepThink, Image: t.Options.Image, Voice: t.Options.Voice},
		EventsURL: "/api/v1/turns/" + t.ID.String() + "/events", CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
	if !t.ReplyID.IsZero() {
		d.ReplyID = t.ReplyID.String()
	}
	if t.ErrorCode != "" {
		d.Error = &turnErrorDTO{Code: t.ErrorCode, Message: t.ErrorMessage}
	}
	return d
}

type turnEnvelope struct {
	Turn turnDTO `json:"turn"`
}

type messageEnvelope struct {
	Message messageDTO `json:"message"`
}

type sentDTO struct {
	Message messageDTO `json:"message"`
	Turn    turnDTO    `json:"turn"`
}

// pathID reads the {id} path value; a malformed id names nothing of the caller's.
