package web

import (
	"net/http"
	"net/url"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/proactive"
)

// The schedules page: when a companion writes first. Plain forms: create, pause or resume, delete;
// each schedule with its next occurrences and what became of the last ones.

type scheduleRow struct {
	proactive.Listed
	Title string
	Runs  []proactive.Run
}

type schedulesData struct {
	Companion companionView
	Items     []scheduleRow
	Presets   []proactive.Preset
	Zones     []string
}

// zones are offered in the form (any IANA zone may be typed).
var zones = []string{"UTC", "Europe/London", "Europe/Berlin", "America/New_York", "America/Chicago", "America/Los_Angeles",
	"Asia/Tokyo", "Asia/Kolkata", "Australia/Sydney"}

func (s *Site) schedulesData(r *http.Request) (schedulesData, error) {
	c, err := s.companionOf(r)
	if err != nil {
		return schedulesData{}, err
	}
	owner := principalOf(r).UserID
	list, err := s.d.Proactive.List.Handle(r.Context(), proactive.List{OwnerID: owner, CompanionID: c.ID()})
	if err != nil {
		return schedulesData{}, err
	}
	d := schedulesData{Companion: viewOf(c), Presets: proactive.Presets, Zones: zones}
	for _, l := range list {
		row := scheduleRow{Listed: l, Title: "Your own"}
		if p, ok := proactive.PresetNamed(l.Schedule.Preset); ok {
			row.Title = p.Title
		}
		if page, err := s.d.Proactive.Runs.Handle(r.Context(), proactive.ListRuns{OwnerID: owner, ID: l.Schedule.ID,
			Page: domain.Page{Limit: 5}}); err == nil {
			row.Runs = page.Runs
		}
		d.Items = append(d.Items, row)
	}
	return d, nil
}

func (s *Site) schedulesPage(w http.ResponseWriter, r *http.Request) {
	d, err := s.schedulesData(r)
	if err != nil {
		s.fail(w, r, err, "", view{})
		return
	}
	s.render(w, r, http.StatusOK, "schedules", view{Title: "Schedules · " + d.Companion.Name, Page: "schedules", User: s.userOf(r),
		Data: d, Form: url.Values{"timezone": {"UTC"}}, Notice: noticeOf(r)})
}

func (s *Site) createSchedule(w http.ResponseWriter, r *http.Request) {
	if !s.parsed(w, r) {
		return
	}
	id, err := domain.ParseID(r.PathValue("id"))
	if err != nil {
		s.fail(w, r, orNotFound(err), "", view{})
		return
	}
	f := r.PostForm
	_, err = s.d.Proactive.Create.Handle(r.Context(), proactive.Create{OwnerID: principalOf(r).UserID, CompanionID: id,
		Preset: f.Get("preset"), Instruction: f.Get("instruction"), Cron: f.Get("cron"), TimeZone: f.Get("timezone")})
	if err != nil {
		d, derr := s.schedulesData(r)
		if derr != nil {
			s.fail(w, r, err, "", view{})
			return
		}
		s.fail(w, r, err, "schedules", view{Title: "Schedules · " + d.Companion.Name, Page: "schedules", User: s.userOf(r), Data: d, Form: f})
		return
	}
	seeOther(w, r, "/companions/"+id.String()+"/schedules?notice=scheduled")
}

// changeSchedule pauses, resumes or deletes a schedule, then goes back to its companion's page.
func (s *Site) changeSchedule(w http.ResponseWriter, r *http.Request) {
	if !s.parsed(w, r) {
		return
	}
	id, err := domain.ParseID(r.PathValue("id"))
	if err != nil {
		s.fail(w, r, proactive.ErrScheduleNotFound, "", view{})
		return
	}
	owner := principalOf(r).UserID
	sched, err := s.d.Proactive.Get.Handle(r.Context(), proactive.Get{OwnerID: owner, ID: id})
	if err != nil {
		s.fail(w, r, err, "", view{})
		return
	}
	switch r.PostForm.Get("do") {
	case "delete":
		_, err = s.d.Proactive.Delete.Handle(r.Context(), proactive.Delete{OwnerID: owner, ID: id})
	default:
		on := r.PostForm.Get("do") == "resume"
		_, err = s.d.Proactive.Update.Handle(r.Context(), proactive.Update{OwnerID: owner, ID: id, Enabled: &on})
	}
	if err != nil {
		s.fail(w, r, err, "", view{})
		return
	}
	seeOther(w, r, "/companions/"+sched.Schedule.CompanionID.String()+"/schedules")
}

// localTime shows a time in a zone, for the next runs.
func localTime(t time.Time, zone string) string {
	if loc, err := time.LoadLocation(zone); err == nil {
		t = t.In(loc)
	}
	return t.Format("Mon 2 Jan, 15:04 MST")
}
