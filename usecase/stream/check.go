package stream

import (
	"encoding/json"
	"time"
	"unicode/utf8"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
)

// DefaultRetention is how long every Bus keeps a turn's events when Expire is never called (a worker
// that crashed before finishing the turn): long enough for any turn, short enough that abandoned
// turns cannot fill the store. Expire replaces it.
const DefaultRetention = 24 * time.Hour

// ErrTurnFull is returned by a Bus that caps the events of one turn (the in-memory one) once the
// cap is reached. Retrying cannot help, so it is KindInvalid.
var ErrTurnFull = domain.E(domain.KindInvalid, "turn_stream_full", "the turn has published too many events")

// CheckPublish is what every Bus refuses before publishing, with KindInvalid, so that the adapters
// agree on what a valid event is: a zero turn id, a negative attempt, a type outside chat's set, or
// data that is not a JSON object of at most MaxData bytes of UTF-8 (which is what lets the
// PostgreSQL bus send an event as NOTIFY text and every bus hand the bytes back unchanged).
func CheckPublish(turnID domain.ID, attempt int, typ chat.EventType, data []byte) error {
	switch {
	case turnID.IsZero():
		return domain.Errorf(domain.KindInvalid, "publish: zero turn id")
	case attempt < 0:
		return domain.Errorf(domain.KindInvalid, "publish: negative attempt %d", attempt)
	case !knownType(typ):
		return domain.Errorf(domain.KindInvalid, "publish: unknown event type %q", typ)
	case len(data) > MaxData:
		return domain.Errorf(domain.KindInvalid, "publish: data is %d bytes, more than %d", len(data), MaxData)
	case !isObject(data):
		return domain.Errorf(domain.KindInvalid, "publish: data is not a JSON object")
	}
	return nil
}

// CheckSubscribe is what every Bus refuses before subscribing, with KindInvalid.
func CheckSubscribe(turnID domain.ID, after int64) error {
	switch {
	case turnID.IsZero():
		return domain.Errorf(domain.KindInvalid, "subscribe: zero turn id")
	case after < 0:
		return domain.Errorf(domain.KindInvalid, "subscribe: negative sequence %d", after)
	}
	return nil
}

// CheckLast is what every Bus refuses before answering Last, with KindInvalid.
func CheckLast(turnID domain.ID) error {
	if turnID.IsZero() {
		return domain.Errorf(domain.KindInvalid, "last: zero turn id")
	}
	return nil
}

// CheckExpire is what every Bus refuses before expiring, with KindInvalid. A zero ttl forgets the
// turn at once.
func CheckExpire(turnID domain.ID, ttl time.Duration) error {
	switch {
	case turnID.IsZero():
		return domain.Errorf(domain.KindInvalid, "expire: zero turn id")
	case ttl < 0:
		return domain.Errorf(domain.KindInvalid, "expire: negative ttl %s", ttl)
	}
	return nil
}

func knownType(t chat.EventType) bool {
	switch t {
	case chat.EventToken, chat.EventProgress, chat.EventState, chat.EventImage, chat.EventAudio,
		chat.EventReset, chat.EventComplete, chat.EventError, chat.EventMessage, chat.EventSpeaker, chat.EventRoom:
		return true
	}
	return false
}

// isObject reports whether data is one valid JSON object. json.Valid alone accepts invalid UTF-8
// inside strings, which PostgreSQL text (and NOTIFY) would refuse.
func isObject(data []byte) bool {
	if !utf8.Valid(data) || !json.Valid(data) {
		return false
	}
	for _, c := range data {
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		}
		return c == '{'
	}
	return false
}
