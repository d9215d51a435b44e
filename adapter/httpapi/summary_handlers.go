package httpapi

import (
	"net/http"
	"time"

	"github.com/companionhub/companionhub/usecase/summary"
)

// summaryDTO is a companion's running summary of its conversation, as its person reads it: what
// it says, the newest message it tells of, and whether it is stale (a message it tells of changed
// since: it is no longer used, and the next one starts over).
type summaryDTO struct {
	CompanionID      string    `json:"companion_id"`
	Text             string    `json:"text"`
	ThroughMessageID string    `json:"through_message_id"`
	ThroughAt        time.Time `json:"through_at"`
	Messages         int       `json:"messages"`
	Stale            bool      `json:"stale"`
	UpdatedAt        time.Time `json:"updated_at"`
}

// getSummary shows the summary of what has left the companion's history window (404 no_summary
// while the whole conversation fits).
func (s *Server) getSummary(w http.ResponseWriter, r *http.Request) {
	id, err := companionID(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if s.summaries == nil {
		writeError(w, r, summary.ErrNone)
		return
	}
	sum, err := s.summaries.Get.Handle(r.Context(), summary.Get{OwnerID: principalFrom(r.Context()).UserID, CompanionID: id})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, summaryDTO{CompanionID: sum.CompanionID.String(), Text: sum.Text,
		ThroughMessageID: sum.Through.ID.String(), ThroughAt: sum.Through.At, Messages: sum.Messages, Stale: sum.Stale,
		UpdatedAt: sum.UpdatedAt})
}
