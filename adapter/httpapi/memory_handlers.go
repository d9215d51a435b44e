package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/memory"
	memoryuc "github.com/companionhub/companionhub/usecase/memory"
)

// memoryDTO is a memory as its person reads it: what it says, why it exists (the messages it was
// learnt from; none: the person added it) and when it was last used.
type memoryDTO struct {
	ID             string     `json:"id"`
	CompanionID    string     `json:"companion_id"`
	Text           string     `json:"text"`
	Category       string     `json:"category"`
	Importance     int        `json:"importance"`
	Pinned         bool       `json:"pinned"`
	SourceMessages []string   `json:"source_message_ids"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	LastRecalledAt *time.Time `json:"last_recalled_at"`
	RecallCount    int        `json:"recall_count"`
}

func toMemory(m memory.Memory) memoryDTO {
	d := memoryDTO{ID: m.ID.String(), CompanionID: m.CompanionID.String(), Text: m.Text, Category: m.Category.String(),
		Importance: m.Importance, Pinned: m.Pinned, SourceMessages: make([]string, 0, len(m.Sources)),
		CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt, RecallCount: m.RecallCount}
	for _, id := range m.Sources {
		d.SourceMessages = append(d.SourceMessages, id.String())
	}
	if !m.LastRecalled.IsZero() {
		t := m.LastRecalled
		d.LastRecalledAt = &t
	}
	return d
}

// memoryRequest is a memory the person adds, or (with nil for what stays) the change of one.
type memoryRequest struct {
	Text       *string `json:"text"`
	Category   *string `json:"category"`
	Importance *int    `json:"importance"`
	Pinned     *bool   `json:"pinned"`
}

// change is the request as a partial edit.
func (req memoryRequest) change() (memoryuc.Change, error) {
	c := memoryuc.Change{Text: req.Text, Importance: req.Importance, Pinned: req.Pinned}
	if req.Category != nil {
		cat, err := memory.ParseCategory(*req.Category)
		if err != nil {
			return c, err
		}
		c.Category = &cat
	}
	return c, nil
}

// listMemories lists a companion's memories, newest first, or searches them (?q=) as recall would,
// best first; ?category= and ?pinned= narrow either.
func (s *Server) listMemories(w http.ResponseWriter, r *http.Request) {
	id, err := companionID(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	page, err := pageFrom(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	f := memory.Filter{OwnerID: principalFrom(r.Context()).UserID, CompanionID: id}
	if v := q.Get("category"); v != "" {
		if f.Category, err = memory.ParseCategory(v); err != nil {
			writeError(w, r, err)
			return
		}
	}
	if v := q.Get("pinned"); v != "" {
		p, err := strconv.ParseBool(v)
		if err != nil {
			writeError(w, r, domain.Invalid(domain.Violation("pinned", "type", "pinned must be true or false")))
			return
		}
		f.Pinned = &p
	}
	res, err := s.memories.List.Handle(r.Context(), memoryuc.List{Filter: f, Query: q.Get("q"), Page: page})
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := listDTO[memoryDTO]{Items: make([]memoryDTO, 0, len(res.Memories)), NextCursor: res.Next.String()}
	for _, m := range res.Memories {
		out.Items = append(out.Items, toMemory(m))
	}
	writeJSON(w, http.StatusOK, out)
}

// addMemory is a memory the person gives the companion (201).
func (s *Server) addMemory(w http.ResponseWriter, r *http.Request) {
	id, err := companionID(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var req memoryRequest
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	spec := memory.Spec{Importance: 5}
	if req.Text != nil {
		spec.Text = *req.Text
	}
	if req.Importance != nil {
		spec.Importance = *req.Importance
	}
	if req.Pinned != nil {
		spec.Pinned = *req.Pinned
	}
	spec.Category = memory.PersonalFact
	if req.Category != nil {
		if spec.Category, err = memory.ParseCategory(*req.Category); err != nil {
			writeError(w, r, err)
			return
		}
	}
	m, err := s.memories.Add.Handle(r.Context(), memoryuc.Add{OwnerID: principalFrom(r.Context()).UserID, CompanionID: id, Spec: spec})
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/memories/"+m.ID.String())
	writeJSON(w, http.StatusCreated, toMemory(m))
}

// editMemory changes what the request names: text, category, importance, pin.
func (s *Server) editMemory(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, memory.ErrNotFound)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var req memoryRequest
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	change, err := req.change()
	if err != nil {
		writeError(w, r, err)
		return
	}
	m, err := s.memories.Edit.Handle(r.Context(), memoryuc.Edit{OwnerID: principalFrom(r.Context()).UserID, ID: id, Change: change})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toMemory(m))
}

func (s *Server) deleteMemory(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, memory.ErrNotFound)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if _, err := s.memories.Delete.Handle(r.Context(), memoryuc.Delete{OwnerID: principalFrom(r.Context()).UserID, ID: id}); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// wipeMemory makes the companion forget everything (its relationship starts again); audited.
func (s *Server) wipeMemory(w http.ResponseWriter, r *http.Request) {
	id, err := companionID(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	n, err := s.memories.Wipe.Handle(r.Context(), memoryuc.Wipe{OwnerID: principalFrom(r.Context()).UserID, CompanionID: id, Meta: meta(r)})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"forgotten": n})
}
