package httpapi

import (
	"net/http"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/proactive"
)

type scheduleDTO struct {
	ID                   string      `json:"id"`
	CompanionID          string      `json:"companion_id"`
	Preset               string      `json:"preset"`
	Instruction          string      `json:"instruction"`
	EffectiveInstruction string      `json:"effective_instruction"`
	Cron                 string      `json:"cron"`
	TimeZone             string      `json:"timezone"`
	Enabled              bool        `json:"enabled"`
	NextRuns             []time.Time `json:"next_runs"`
	CreatedAt            time.Time   `json:"created_at"`
	UpdatedAt            time.Time   `json:"updated_at"`
}

func toSchedule(l proactive.Listed) scheduleDTO {
	s := l.Schedule
	next := l.NextRuns
	if next == nil {
		next = []time.Time{}
	}
	return scheduleDTO{ID: s.ID.String(), CompanionID: s.CompanionID.String(), Preset: s.Preset, Instruction: s.Instruction,
		EffectiveInstruction: s.EffectiveInstruction(), Cron: s.Cron, TimeZone: s.TimeZone, Enabled: s.Enabled, NextRuns: next,
		CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
}

type scheduleEnvelope struct {
	Schedule scheduleDTO `json:"schedule"`
}

type runDTO struct {
	ID      string    `json:"id"`
	Due     time.Time `json:"due"`
	Outcome string    `json:"outcome"`
	Reason  string    `json:"reason,omitempty"`
	TurnID  string    `json:"turn_id,omitempty"`
	At      time.Time `json:"at"`
}

type presetDTO struct {
	Name        string `json:"name"`
	Title       string `json:"title"`
	Cron        string `json:"cron"`
	Instruction string `json:"instruction"`
}

type scheduleRequest struct {
	Preset      *string `json:"preset"`
	Instruction *string `json:"instruction"`
	Cron        *string `json:"cron"`
	TimeZone    *string `json:"timezone"`
	Enabled     *bool   `json:"enabled"`
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func (s *Server) listSchedulePresets(w http.ResponseWriter, r *http.Request) {
	out := listDTO[presetDTO]{Items: make([]presetDTO, 0, len(proactive.Presets))}
	for _, p := range proactive.Presets {
		out.Items = append(out.Items, presetDTO{Name: p.Name, Title: p.Title, Cron: p.Cron, Instruction: p.Instruction})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) listSchedules(w http.ResponseWriter, r *http.Request) {
	id, err := companionID(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	list, err := s.proactive.List.Handle(r.Context(), proactive.List{OwnerID: principalFrom(r.Context()).UserID, CompanionID: id})
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := listDTO[scheduleDTO]{Items: make([]scheduleDTO, 0, len(list))}
	for _, l := range list {
		out.Items = append(out.Items, toSchedule(l))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) createSchedule(w http.ResponseWriter, r *http.Request) {
	id, err := companionID(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var in scheduleRequest
	if err := decodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	l, err := s.proactive.Create.Handle(r.Context(), proactive.Create{OwnerID: principalFrom(r.Context()).UserID, CompanionID: id,
		Preset: str(in.Preset), Instruction: str(in.Instruction), Cron: str(in.Cron), TimeZone: str(in.TimeZone), Enabled: in.Enabled})
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/schedules/"+l.Schedule.ID.String())
	writeJSON(w, http.StatusCreated, scheduleEnvelope{Schedule: toSchedule(l)})
}

func (s *Server) updateSchedule(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, proactive.ErrScheduleNotFound)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var in scheduleRequest
	if err := decodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	l, err := s.proactive.Update.Handle(r.Context(), proactive.Update{OwnerID: principalFrom(r.Context()).UserID, ID: id,
		Preset: in.Preset, Instruction: in.Instruction, Cron: in.Cron, TimeZone: in.TimeZone, Enabled: in.Enabled})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, scheduleEnvelope{Schedule: toSchedule(l)})
}

func (s *Server) deleteSchedule(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, proactive.ErrScheduleNotFound)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if _, err := s.proactive.Delete.Handle(r.Context(), proactive.Delete{OwnerID: principalFrom(r.Context()).UserID, ID: id}); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) listScheduleRuns(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, proactive.ErrScheduleNotFound)
	if err != nil {
		writeError(w, r, err)
		return
	}
	page, err := pageFrom(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	res, err := s.proactive.Runs.Handle(r.Context(), proactive.ListRuns{OwnerID: principalFrom(r.Context()).UserID, ID: id, Page: page})
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := listDTO[runDTO]{Items: make([]runDTO, 0, len(res.Runs)), NextCursor: res.Next.String()}
	for _, run := range res.Runs {
		d := runDTO{ID: run.ID.String(), Due: run.Due, Outcome: string(run.Outcome), Reason: run.Reason, At: run.At}
		if !run.TurnID.IsZero() {
			d.TurnID = run.TurnID.String()
		}
		out.Items = append(out.Items, d)
	}
	writeJSON(w, http.StatusOK, out)
}

type notificationsDTO struct {
	Enabled   bool   `json:"enabled"`
	Available bool   `json:"available"`
	Address   string `json:"address,omitempty"`
}

type notificationsRequest struct {
	Enabled *bool `json:"enabled"`
}

func (s *Server) getNotifications(w http.ResponseWriter, r *http.Request) {
	st, err := s.proactive.Notifications.Handle(r.Context(), proactive.GetNotifications{UserID: principalFrom(r.Context()).UserID})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, notificationsDTO{Enabled: st.Enabled, Available: st.Available, Address: st.Address})
}

func (s *Server) putNotifications(w http.ResponseWriter, r *http.Request) {
	var in notificationsRequest
	if err := decodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	if in.Enabled == nil {
		writeError(w, r, domain.Invalid(domain.Violation("enabled", "required", "enabled is required: true or false")))
		return
	}
	st, err := s.proactive.SetNotifications.Handle(r.Context(), proactive.SetNotifications{UserID: principalFrom(r.Context()).UserID,
		Enabled: *in.Enabled})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, notificationsDTO{Enabled: st.Enabled, Available: st.Available, Address: st.Address})
}

// limitsDTO is a set of limits; QuietHours "" is never quiet.
type limitsDTO struct {
	QuietHours string `json:"quiet_hours"`
	DailyCap   int    `json:"daily_cap"`
}

// ownPreferencesDTO is what the person chose; null is the hub's.
type ownPreferencesDTO struct {
	QuietHours *string `json:"quiet_hours"`
	DailyCap   *int    `json:"daily_cap"`
}

type preferencesDTO struct {
	limitsDTO
	Own ownPreferencesDTO `json:"own"`
	Hub limitsDTO         `json:"hub"`
}

func preferencesOf(st proactive.PreferencesStatus) preferencesDTO {
	out := preferencesDTO{limitsDTO: limitsOf(st.Effective), Hub: limitsOf(st.Hub),
		Own: ownPreferencesDTO{DailyCap: st.Own.DailyCap}}
	if st.Own.Quiet != nil {
		q := st.Own.Quiet.String()
		out.Own.QuietHours = &q
	}
	return out
}

func limitsOf(l proactive.Limits) limitsDTO {
	return limitsDTO{QuietHours: l.Quiet.String(), DailyCap: l.DailyCap}
}

func (s *Server) getSchedulePreferences(w http.ResponseWriter, r *http.Request) {
	st, err := s.proactive.Preferences.Handle(r.Context(), proactive.GetPreferences{UserID: principalFrom(r.Context()).UserID})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, preferencesOf(st))
}

func (s *Server) putSchedulePreferences(w http.ResponseWriter, r *http.Request) {
	var in ownPreferencesDTO
	if err := decodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	st, err := s.proactive.SetPreferences.Handle(r.Context(), proactive.SetPreferences{UserID: principalFrom(r.Context()).UserID,
		QuietHours: in.QuietHours, DailyCap: in.DailyCap})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, preferencesOf(st))
}
