package httpapi

import (
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/domain/companion"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
)

func pathID(r *http.Request, notFound error) (domain.ID, error) {
	id, err := domain.ParseID(r.PathValue("id"))
	if err != nil {
		return domain.ID{}, notFound
	}
	return id, nil
}

// sendRequest is a message to send. An option left out (or null) is the companion's setting's to
// decide, so it is told apart from false.
type sendRequest struct {
	Text string `json:"text"`
	sendOptionsRequest
}

// sendOptionsRequest are the options of a send or a regeneration; nil: left out.
type sendOptionsRequest struct {
	Image     *bool `json:"image"`
	Voice     *bool `json:"voice"`
	DeepThink *bool `json:"deep_think"`
}

// options are what the request asks, and what it leaves out.
func (req sendOptionsRequest) options() (chat.Options, chatuc.Unset) {
	return chat.Options{DeepThink: req.DeepThink != nil && *req.DeepThink, Image: req.Image != nil && *req.Image,
			Voice: req.Voice != nil && *req.Voice},
		chatuc.Unset{DeepThink: req.DeepThink == nil, Image: req.Image == nil, Voice: req.Voice == nil}
}

func (s *Server) sendMessage(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, companion.ErrNotFound)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		s.sendVoiceNote(w, r, id)
		return
	}
	// The route takes uploads (a voice note); a message in JSON is held to the JSON limit.
	if r.ContentLength > s.cfg.MaxBodyBytes {
		writeError(w, r, domain.E(domain.KindInvalid, reasonBodyTooLarge, "the request body is too large"))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
	var req sendRequest
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	opts, unset := req.options()
	sent, err := s.chat.Send.Handle(r.Context(), chatuc.Send{OwnerID: principalFrom(r.Context()).UserID, CompanionID: id,
		Text: req.Text, Options: opts, Unset: unset, IdempotencyKey: r.Header.Get("Idempotency-Key")})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeAccepted(w, sent.Turn.ID(), sent.Replayed, sentDTO{Message: toMessage(sent.Message), Turn: toTurn(sent.Turn)})
}

// writeAccepted answers 202 for a turn started (or, replayed, started before under the same
// Idempotency-Key), pointing Location at it.
func writeAccepted(w http.ResponseWriter, turnID domain.ID, replayed bool, body any) {
	if replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	w.Header().Set("Location", "/api/v1/turns/"+turnID.String())
	writeJSON(w, http.StatusAccepted, body)
}

func (s *Server) listMessages(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, companion.ErrNotFound)
	if err != nil {
		writeError(w, r, err)
		return
	}
	page, err := pageFrom(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	res, err := s.chat.History.Handle(r.Context(), chatuc.History{OwnerID: principalFrom(r.Context()).UserID,
		CompanionID: id, Page: page})
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := listDTO[messageDTO]{Items: make([]messageDTO, 0, len(res.Items)), NextCursor: res.Next.String()}
	for _, it := range res.Items {
		out.Items = append(out.Items, toHistoryItem(it))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getTurn(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, chat.ErrTurnNotFound)
	if err != nil {
		writeError(w, r, err)
		return
	}
	t, err := s.chat.GetTurn.Handle(r.Context(), chatuc.GetTurn{OwnerID: principalFrom(r.Context()).UserID, TurnID: id})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, turnEnvelope{Turn: toTurn(t)})
}

// currentTurn answers the companion's turn still under way (404 turn_not_found when there is none),
// for a client that reloads while a reply is being written and wants to follow it again.
func (s *Server) currentTurn(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, chat.ErrTurnNotFound)
	if err != nil {
		writeError(w, r, err)
		return
	}
	t, err := s.chat.CurrentTurn.Handle(r.Context(), chatuc.CurrentTurn{OwnerID: principalFrom(r.Context()).UserID, CompanionID: id})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, turnEnvelope{Turn: toTurn(t)})
}

func (s *Server) cancelTurn(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, chat.ErrTurnNotFound)
	if err != nil {
		writeError(w, r, err)
		return
	}
	t, err := s.chat.Cancel.Handle(r.Context(), chatuc.CancelTurn{OwnerID: principalFrom(r.Context()).UserID, TurnID: id})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, turnEnvelope{Turn: toTurn(t)})
}

// regenerateRequest is optional; the options it leaves out (or sends as null) come from the
// companion's settings, as for a send.
type regenerateRequest = sendOptionsRequest

func (s *Server) regenerate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, chat.ErrMessageNotFound)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var req regenerateRequest
	if r.ContentLength != 0 { // the body is optional
		if err := decodeJSON(r, &req); err != nil && domain.AsError(err).Reason != "empty_body" {
			writeError(w, r, err)
			return
		}
	}
	opts, unset := req.options()
	res, err := s.chat.Regenerate.Handle(r.Context(), chatuc.Regenerate{OwnerID: principalFrom(r.Context()).UserID,
		MessageID: id, Options: opts, Unset: unset, IdempotencyKey: r.Header.Get("Idempotency-Key")})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeAccepted(w, res.Turn.ID(), res.Replayed, turnEnvelope{Turn: toTurn(res.Turn)})
}

type alternativesDTO struct {
	Items []messageDTO `json:"items"`
}

// listAlternatives lists the replies to a message (or to the message a reply answers), oldest
// first, each with the id that PATCH {"selected": true} takes.
func (s *Server) listAlternatives(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, chat.ErrMessageNotFound)
	if err != nil {
		writeError(w, r, err)
		return
	}
	alts, err := s.chat.Alternatives.Handle(r.Context(), chatuc.ListAlternatives{OwnerID: principalFrom(r.Context()).UserID,
		MessageID: id})
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := alternativesDTO{Items: make([]messageDTO, 0, len(alts))}
	for i, m := range alts {
		d := toMessage(m)
		d.Alternatives, d.AlternativeIndex = len(alts), i+1
		out.Items = append(out.Items, d)
	}
	writeJSON(w, http.StatusOK, out)
}

type editMessageRequest struct {
	Text     *string `json:"text"`
	Selected *bool   `json:"selected"`
}

func (s *Server) editMessage(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, chat.ErrMessageNotFound)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var req editMessageRequest
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	if req.Selected != nil && !*req.Selected {
		writeError(w, r, domain.Invalid(domain.Violation("selected", "one_of",
			"select another alternative instead of unselecting this one")))
		return
	}
	m, err := s.chat.Edit.Handle(r.Context(), chatuc.EditMessage{OwnerID: principalFrom(r.Context()).UserID, MessageID: id,
		Text: req.Text, Select: req.Selected != nil})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, messageEnvelope{Message: toMessage(m)})
}

func (s *Server) deleteMessage(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, chat.ErrMessageNotFound)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if _, err := s.chat.Delete.Handle(r.Context(), chatuc.DeleteMessage{OwnerID: principalFrom(r.Context()).UserID,
		MessageID: id}); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// lastEventID is where a follower resumes: the Last-Event-ID header an EventSource sends when it
// reconnects, or the last_event_id query parameter for clients that cannot set headers: a whole
// number from 0 to chatuc.MaxEventSeq, else 400 invalid_last_event_id.
func lastEventID(r *http.Request) (int64, error) {
	v := r.Header.Get("Last-Event-ID")
	if v == "" {
		v = r.URL.Query().Get("last_event_id")
	}
	if v == "" {
		return 0, nil
	}
	// Only digits: strconv would also take "+5", and a number past MaxEventSeq (2^53-1, the largest
	// a JSON reader holds exactly) is no id this hub gave out.
	v = strings.TrimSpace(v)
	if v == "" || strings.TrimLeft(v, "0123456789") != "" {
		return 0, chatuc.ErrInvalidLastEventID
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n > chatuc.MaxEventSeq {
		return 0, chatuc.ErrInvalidLastEventID
	}
	return n, nil
}

// sendVoiceNote sends the voice note of a multipart send: the recording in the part "audio", and
// the send's options ("image", "voice", "deep_think": true or false; left out: the companion's
// settings) and a "language" hint as plain fields.
func (s *Server) sendVoiceNote(w http.ResponseWriter, r *http.Request, id domain.ID) {
	up, err := readUpload(r, "audio")
	if err != nil {
		writeError(w, r, err)
		return
	}
	var req sendOptionsRequest
	for name, dst := range map[string]**bool{"image": &req.Image, "voice": &req.Voice, "deep_think": &req.DeepThink} {
		v, ok := up.fields[name]
		if !ok {
			continue
		}
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			writeError(w, r, domain.Invalid(domain.Violation(name, "invalid", "give true or false")))
			return
		}
		*dst = &b
	}
	opts, unset := req.options()
	sent, err := s.chat.SendVoiceNote.Handle(r.Context(), chatuc.SendVoiceNote{OwnerID: principalFrom(r.Context()).UserID,
		CompanionID: id, Audio: up.data, Language: up.fields["language"], Options: opts, Unset: unset,
		IdempotencyKey: r.Header.Get("Idempotency-Key")})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeAccepted(w, sent.Turn.ID(), sent.Replayed, sentDTO{Message: toMessage(sent.Message), Turn: toTurn(sent.Turn)})
}
