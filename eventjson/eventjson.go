// Package eventjson is the one JSON form of turn events: what the stream bus carries and stores,
// and what an SSE client receives as an event's data (the API documents it in openapi.json). The
// chat use cases publish model payloads (domain/chat.Payload) through it; the HTTP adapter relays
// the bytes unchanged and shows scenes and media URLs in messages the same way; an embedder that
// follows a turn in Go (Hub.Chat.Follow) reads the events' data back with Decode.
package eventjson

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/media"
)

// Scene is a companion's scene as the API shows it. UserPresent is always there: false says the
// person is talking by message, true that the story has them physically with the companion.
type Scene struct {
	Outfit      []string `json:"outfit"`
	Location    string   `json:"location"`
	Action      string   `json:"action"`
	Mood        string   `json:"mood"`
	UserPresent bool     `json:"user_present"`
}

// SceneOf is the API's form of a scene.
func SceneOf(s companion.Scene) Scene {
	outfit := s.Outfit
	if outfit == nil {
		outfit = []string{}
	}
	return Scene{Outfit: outfit, Location: s.Location, Action: s.Action, Mood: s.Mood.String(), UserPresent: s.UserPresent}
}

// MediaURL is where the hub serves a stored file.
func MediaURL(k media.Key) string { return "/media/" + k.String() }

type token struct {
	Text string `json:"text"`
}

type progress struct {
	Status   string `json:"status"`
	Progress int    `json:"progress"`
}

type reset struct {
	Attempt int `json:"attempt"`
}

type state struct {
	MessageID string `json:"message_id"`
	Scene     Scene  `json:"scene"`
}

type mediaEvent struct {
	MessageID string `json:"message_id"`
	ID        string `json:"id,omitempty"` // a picture's gallery entry
	URL       string `json:"url,omitempty"`
	Width     int    `json:"width,omitempty"`
	Height    int    `json:"height,omitempty"`
	// An audio's type and how long it plays, in milliseconds (left out when the backend did not say).
	ContentType string `json:"content_type,omitempty"`
	DurationMs  int64  `json:"duration_ms,omitempty"`
	Error       string `json:"error,omitempty"`
	Code        string `json:"code,omitempty"`
}

type complete struct {
	MessageID   string `json:"message_id"`
	Text        string `json:"text"`
	TextOmitted bool   `json:"text_omitted,omitempty"`
}

// RoomMessage is a message said in a room as the API shows it (on the room's stream and in its
// history).
type RoomMessage struct {
	ID     string `json:"id"`
	RoomID string `json:"room_id"`
	Role   string `json:"role"`
	Author Author `json:"author"`
	Text   string `json:"text"`
	// TextOmitted: on a room's stream, a message too long for one event (its text is read from
	// the room's messages).
	TextOmitted bool   `json:"text_omitted,omitempty"`
	ReplyTo     string `json:"reply_to,omitempty"`
	TurnID      string `json:"turn_id,omitempty"`
	Scene       *Scene `json:"scene,omitempty"`
	// A companion's reply's picture and voice, once made (its `message` event comes when the reply
	// is saved, before them: the answer's image and audio events bring them).
	Image     *Image    `json:"image,omitempty"`
	PictureID string    `json:"picture_id,omitempty"`
	Audio     *Audio    `json:"audio,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Image is a stored picture as the API shows it.
type Image struct {
	URL         string `json:"url"`
	ContentType string `json:"content_type"`
	Bytes       int64  `json:"bytes"`
	Width       int    `json:"width"`
	Height      int    `json:"height"`
}

// Audio is a stored sound as the API shows it.
type Audio struct {
	URL string `json:"url"`
}

// Author is who said a room message: a person or a companion, by id and the name they said it under.
type Author struct {
	Kind string `json:"kind"` // "person" or "companion"
	ID   string `json:"id"`
	Name string `json:"name"`
}

// RoomMessageOf is the API's form of a room message.
func RoomMessageOf(m chat.Message) RoomMessage {
	out := RoomMessage{ID: m.ID.String(), RoomID: m.RoomID.String(), Role: m.Role.String(), Text: m.Text,
		Author: Author{Kind: "person", ID: m.AuthorID.String(), Name: m.Author}, CreatedAt: m.CreatedAt.UTC()}
	if !m.CompanionID.IsZero() {
		out.Author = Author{Kind: "companion", ID: m.CompanionID.String(), Name: m.Author}
	}
	if !m.ReplyTo.IsZero() {
		out.ReplyTo = m.ReplyTo.String()
	}
	if !m.TurnID.IsZero() {
		out.TurnID = m.TurnID.String()
	}
	if m.Scene != nil {
		s := SceneOf(*m.Scene)
		out.Scene = &s
	}
	if !m.Image.IsZero() {
		out.Image = &Image{URL: MediaURL(m.Image.Key), ContentType: m.Image.ContentType.String(), Bytes: m.Image.Bytes,
			Width: m.Image.Width, Height: m.Image.Height}
	}
	if !m.PictureID.IsZero() {
		out.PictureID = m.PictureID.String()
	}
	if !m.AudioKey.IsZero() {
		out.Audio = &Audio{URL: MediaURL(m.AudioKey)}
	}
	return out
}

type speaker struct {
	TurnID      string `json:"turn_id"`
	CompanionID string `json:"companion_id"`
	Name        string `json:"name"`
	ReplyTo     string `json:"reply_to"`
}

type failure struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Encode writes p as its event's data.
func Encode(p chat.Payload) ([]byte, error) {
	var v any
	switch p := p.(type) {
	case chat.Token:
		v = token{Text: p.Text}
	case chat.Progress:
		v = progress{Status: p.Status.String(), Progress: p.Percent}
	case chat.Reset:
		v = reset{Attempt: p.Attempt}
	case chat.StateChange:
		v = state{MessageID: p.MessageID.String(), Scene: SceneOf(p.Scene)}
	case chat.Picture:
		e := mediaEvent{MessageID: p.MessageID.String()}
		if p.Failure != nil {
			e.Error, e.Code = failed(*p.Failure)
		} else {
			e.URL, e.Width, e.Height = MediaURL(p.Image.Key), p.Image.Width, p.Image.Height
			if !p.PictureID.IsZero() {
				e.ID = p.PictureID.String()
			}
		}
		v = e
	case chat.Voice:
		e := mediaEvent{MessageID: p.MessageID.String()}
		if p.Failure != nil {
			e.Error, e.Code = failed(*p.Failure)
		} else {
			e.URL, e.ContentType, e.DurationMs = MediaURL(p.Audio), p.ContentType.String(), p.Duration.Milliseconds()
		}
		v = e
	case chat.Completion:
		v = complete{MessageID: p.MessageID.String(), Text: p.Text, TextOmitted: p.TextOmitted}
	case chat.Failure:
		v = failure{Code: p.Code, Message: p.Message}
	case chat.RoomMessage:
		m := RoomMessageOf(p.Message)
		m.TextOmitted = p.TextOmitted
		v = m
	case chat.RoomChanged:
		v = struct{}{}
	case chat.Speaker:
		v = speaker{TurnID: p.TurnID.String(), CompanionID: p.CompanionID.String(), Name: p.Name, ReplyTo: p.ReplyTo.String()}
	default:
		return nil, domain.Errorf(domain.KindInternal, "encode event: unknown payload %T", p)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, domain.Errorf(domain.KindInternal, "encode %s event: %w", p.EventType(), err)
	}
	return b, nil
}

// failed is how a side step's failure is said: its words, or, when it has none, that it failed
// (a failure must never read like a success without a URL).
func failed(f chat.Failure) (message, code string) {
	if f.Code == "" && f.Message == "" {
		return "it could not be made", "failed"
	}
	return f.Message, f.Code
}

// Decode reads the data of an event of type t. Media URLs are not turned back into keys: Picture
// and Voice come back with their message, size and failure only.
func Decode(t chat.EventType, data []byte) (chat.Payload, error) {
	p, err := decode(t, data)
	if err != nil {
		return nil, domain.Errorf(domain.KindInvalid, "decode %s event: %w", t, err)
	}
	return p, nil
}

func decode(t chat.EventType, data []byte) (chat.Payload, error) {
	switch t {
	case chat.EventToken:
		return from(data, func(v token) (chat.Payload, error) { return chat.Token{Text: v.Text}, nil })
	case chat.EventProgress:
		return from(data, func(v progress) (chat.Payload, error) {
			s, err := chat.ParseStatus(v.Status)
			if err != nil {
				return nil, err
			}
			p := chat.Progress{Status: s, Percent: v.Progress}
			return p, p.Check()
		})
	case chat.EventReset:
		return from(data, func(v reset) (chat.Payload, error) { return chat.Reset{Attempt: v.Attempt}, nil })
	case chat.EventState:
		return from(data, func(v state) (chat.Payload, error) {
			m, err := optionalID(v.MessageID)
			if err != nil {
				return nil, err
			}
			s, err := sceneFrom(v.Scene)
			return chat.StateChange{MessageID: m, Scene: s}, err
		})
	case chat.EventImage, chat.EventAudio:
		return from(data, func(v mediaEvent) (chat.Payload, error) {
			m, err := optionalID(v.MessageID)
			if err != nil {
				return nil, err
			}
			var f *chat.Failure
			if v.Error != "" || v.Code != "" {
				f = &chat.Failure{Code: v.Code, Message: v.Error}
			}
			if t == chat.EventAudio {
				return chat.Voice{MessageID: m, Failure: f}, nil
			}
			id, err := optionalID(v.ID)
			if err != nil {
				return nil, err
			}
			return chat.Picture{MessageID: m, PictureID: id, Image: media.Image{Width: v.Width, Height: v.Height}, Failure: f}, nil
		})
	case chat.EventComplete:
		return from(data, func(v complete) (chat.Payload, error) {
			m, err := optionalID(v.MessageID)
			return chat.Completion{MessageID: m, Text: v.Text, TextOmitted: v.TextOmitted}, err
		})
	case chat.EventError:
		return from(data, func(v failure) (chat.Payload, error) { return chat.Failure{Code: v.Code, Message: v.Message}, nil })
	case chat.EventRoom:
		return from(data, func(struct{}) (chat.Payload, error) { return chat.RoomChanged{}, nil })
	case chat.EventSpeaker:
		return from(data, func(v speaker) (chat.Payload, error) {
			var p chat.Speaker
			var err error
			for _, f := range []struct {
				dst *domain.ID
				src string
			}{{&p.TurnID, v.TurnID}, {&p.CompanionID, v.CompanionID}, {&p.ReplyTo, v.ReplyTo}} {
				if *f.dst, err = optionalID(f.src); err != nil {
					return nil, err
				}
			}
			p.Name = v.Name
			return p, nil
		})
	case chat.EventMessage:
		return from(data, func(v RoomMessage) (chat.Payload, error) {
			m := chat.Message{Text: v.Text, Author: v.Author.Name, Selected: true, CreatedAt: v.CreatedAt}
			role, err := chat.ParseRole(v.Role)
			if err != nil {
				return nil, err
			}
			m.Role = role
			if v.Scene != nil {
				s, err := sceneFrom(*v.Scene)
				if err != nil {
					return nil, err
				}
				m.Scene = &s
			}
			author := &m.AuthorID
			if v.Author.Kind == "companion" {
				author = &m.CompanionID
			}
			for _, f := range []struct {
				dst *domain.ID
				src string
			}{{&m.ID, v.ID}, {&m.RoomID, v.RoomID}, {author, v.Author.ID}, {&m.ReplyTo, v.ReplyTo}, {&m.TurnID, v.TurnID}} {
				if *f.dst, err = optionalID(f.src); err != nil {
					return nil, err
				}
			}
			return chat.RoomMessage{Message: m, TextOmitted: v.TextOmitted}, nil
		})
	}
	return nil, fmt.Errorf("unknown event type")
}

// from reads data as the event form F and makes the payload of it.
func from[F any](data []byte, payload func(F) (chat.Payload, error)) (chat.Payload, error) {
	var v F
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, err
	}
	return payload(v)
}

// optionalID reads an id that may be absent.
func optionalID(s string) (domain.ID, error) {
	if s == "" {
		return domain.ID{}, nil
	}
	return domain.ParseID(s)
}

// TokenTextLimit is the longest reply text, in bytes, a token event of at most maxData bytes of
// data always carries, whatever the text: in the worst case every byte is a control character,
// escaped as \u00XX — six bytes for one.
func TokenTextLimit(maxData int) int { return (maxData - len(`{"text":""}`)) / 6 }

// sceneFrom reads a scene back.
func sceneFrom(v Scene) (companion.Scene, error) {
	var mood companion.Mood
	if v.Mood != "" {
		var err error
		if mood, err = companion.ParseMood("mood", v.Mood); err != nil {
			return companion.Scene{}, err
		}
	}
	return companion.Scene{Outfit: v.Outfit, Location: v.Location, Action: v.Action, Mood: mood, UserPresent: v.UserPresent}, nil
}
