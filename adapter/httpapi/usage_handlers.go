package httpapi

import (
	"net/http"
	"time"

	"github.com/companionhub/companionhub/usecase"
	"github.com/companionhub/companionhub/usecase/usage"
)

// usageLineDTO is an amount of a person's usage on a day.
type usageLineDTO struct {
	Day      string  `json:"day"`
	Kind     string  `json:"kind"`
	Provider string  `json:"provider"`
	Model    string  `json:"model"`
	Amount   int64   `json:"amount"`
	Cost     float64 `json:"cost"`
}

type usageTotalDTO struct {
	Kind   string  `json:"kind"`
	Amount int64   `json:"amount"`
	Cost   float64 `json:"cost"`
}

type quotaDTO struct {
	Quota    string    `json:"quota"`
	Limit    int64     `json:"limit"` // 0: no limit
	Used     int64     `json:"used"`
	ResetsAt time.Time `json:"resets_at"`
	Exceeded bool      `json:"exceeded"`
}

type usageDTO struct {
	From     string          `json:"from"`
	To       string          `json:"to"`
	Currency string          `json:"currency"`
	Days     []usageLineDTO  `json:"days"`
	Totals   []usageTotalDTO `json:"totals"`
	Cost     float64         `json:"cost"`
	Quotas   []quotaDTO      `json:"quotas"`
}

func quotasOf(s []usage.Standing) []quotaDTO {
	out := make([]quotaDTO, 0, len(s))
	for _, q := range s {
		out = append(out, quotaDTO{Quota: string(q.Quota), Limit: q.Limit, Used: q.Used, ResetsAt: q.ResetsAt, Exceeded: q.Exceeded()})
	}
	return out
}

func usageOf(r usage.Report) usageDTO {
	d := usageDTO{From: string(r.From), To: string(r.To), Currency: r.Currency, Cost: r.Cost,
		Days: make([]usageLineDTO, 0, len(r.Lines)), Totals: make([]usageTotalDTO, 0, len(r.Totals)), Quotas: quotasOf(r.Quotas)}
	for _, l := range r.Lines {
		d.Days = append(d.Days, usageLineDTO{Day: string(l.Day), Kind: string(l.Kind), Provider: l.Provider, Model: l.Model,
			Amount: l.Amount, Cost: l.Cost})
	}
	for _, t := range r.Totals {
		d.Totals = append(d.Totals, usageTotalDTO{Kind: string(t.Kind), Amount: t.Amount, Cost: t.Cost})
	}
	return d
}

// getUsage is the caller's usage by day and kind over ?from=…&to=… (days, inclusive; the last 30
// by default), priced, with their quotas today.
func (s *Server) getUsage(w http.ResponseWriter, r *http.Request) {
	if s.usage == nil {
		writeError(w, r, usecase.ErrNotConfigured)
		return
	}
	q := r.URL.Query()
	rep, err := s.usage.Mine.Handle(r.Context(), usage.Mine{UserID: principalFrom(r.Context()).UserID,
		From: q.Get("from"), To: q.Get("to")})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, usageOf(rep))
}
