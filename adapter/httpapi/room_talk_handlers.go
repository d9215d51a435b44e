package httpapi

import (
	"context"
	"net/http"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/eventjson"
	roomuc "github.com/companionhub/companionhub/usecase/room"
	"github.com/companionhub/companionhub/usecase/stream"
)

// A room's conversation: its messages (a page, or one said), its event stream, and letting a
// companion speak.

func (s *Server) sendRoomMessage(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, roomuc.ErrNotFound)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var in struct {
		Text string `json:"text"`
	}
	if err := decodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	sent, err := s.rooms.SendMessage.Handle(r.Context(), roomuc.SendMessage{UserID: principalFrom(r.Context()).UserID, RoomID: id,
		Text: in.Text, IdempotencyKey: r.Header.Get("Idempotency-Key")})
	if err != nil {
		writeError(w, r, err)
		return
	}
	status := http.StatusCreated
	if sent.Replayed {
		w.Header().Set("Idempotent-Replayed", "true")
		status = http.StatusOK
	}
	writeJSON(w, status, eventjson.RoomMessageOf(sent.Message))
}

func (s *Server) listRoomMessages(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, roomuc.ErrNotFound)
	if err != nil {
		writeError(w, r, err)
		return
	}
	page, err := pageFrom(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	res, err := s.rooms.Messages.Handle(r.Context(), roomuc.Messages{UserID: principalFrom(r.Context()).UserID, RoomID: id, Page: page})
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := listDTO[eventjson.RoomMessage]{Items: make([]eventjson.RoomMessage, 0, len(res.Messages)), NextCursor: res.Next.String()}
	for _, m := range res.Messages {
		out.Items = append(out.Items, eventjson.RoomMessageOf(m))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) letRoomCompanionSpeak(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, roomuc.ErrNotFound)
	if err != nil {
		writeError(w, r, err)
		return
	}
	companionID, err := companionIDOf(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	turn, err := s.rooms.LetSpeak.Handle(r.Context(), roomuc.LetSpeak{UserID: principalFrom(r.Context()).UserID, RoomID: id,
		CompanionID: companionID})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeAccepted(w, turn.ID(), false, toTurn(turn))
}

// roomEvents streams a room's conversation as Server-Sent Events: the room's own events ("message",
// "turn") carry an id, so a reconnecting EventSource resumes after the last it had; each answer's
// events (token, progress, state, image, audio, reset, complete, error) carry none, and name their
// turn in their data ("turn_id") — a follower that comes back hears the answers still under way
// again from their start, after their "turn" event. The stream does not end by itself.
func (s *Server) roomEvents(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, roomuc.ErrNotFound)
	if err != nil {
		writeError(w, r, err)
		return
	}
	after, err := lastEventID(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	life, end := context.WithCancel(context.WithoutCancel(r.Context()))
	sub, err := s.rooms.Follow.Handle(life, roomuc.Follow{UserID: principalFrom(r.Context()).UserID, RoomID: id, After: after})
	if err != nil {
		end()
		writeError(w, r, err)
		return
	}
	s.streamEvents(w, r, follower{s: s, sub: labelled{sub, id}, turnID: id, life: life, end: end, endless: true})
}

// labelled names each answer's event's turn in its data ("turn_id" first), on a room's stream.
type labelled struct {
	stream.Subscription
	roomID domain.ID
}

func (l labelled) Next(ctx context.Context) (chat.Event, error) {
	e, err := l.Subscription.Next(ctx)
	if err != nil || e.TurnID == l.roomID {
		return e, err
	}
	data := make([]byte, 0, len(e.Data)+64)
	data = append(data, `{"turn_id":"`...)
	data = append(data, e.TurnID.String()...)
	data = append(data, '"')
	if rest := e.Data[1:]; len(rest) > 0 && !isEmptyObjectRest(rest) {
		data = append(data, ',')
		data = append(data, rest...)
	} else {
		data = append(data, '}')
	}
	e.Data = data
	return e, nil
}

// isEmptyObjectRest reports whether what follows an object's "{" closes it at once.
func isEmptyObjectRest(rest []byte) bool {
	for _, c := range rest {
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		}
		return c == '}'
	}
	return false
}
