package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	accountuc "github.com/companionhub/companionhub/usecase/account"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
	"github.com/companionhub/companionhub/usecase/community"
	"github.com/companionhub/companionhub/usecase/proactive"
	"github.com/companionhub/companionhub/usecase/usage"
)

// companionView is a companion as the pages about it show it in their header.
type companionView struct {
	ID           string
	Name         string
	HeaderURL    string
	Scene        companion.Scene
	Relationship companion.Relationship
	Trashed      bool
	Settings     companion.Settings
	VoiceOn      bool   // the companion has a voice: its replies can be spoken
	TurnID       string // the reply being written, if any (the chat page)
}

func viewOf(c *companion.Companion) companionView {
	return companionView{ID: c.ID().String(), Name: c.Profile().Spec().Name, HeaderURL: headerURL(c), Scene: c.Scene(),
		Relationship: c.Relationship(), Trashed: c.Deleted(), Settings: c.Settings(),
		VoiceOn: c.Profile().Spec().Voice.Enabled && c.Profile().Spec().Voice.VoiceID != ""}
}

// companionPage renders one of the pages about a companion: the chat, its memories, its settings.
// The page's script does the rest over the JSON API.
func (s *Site) companionPage(name, title string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := s.companionOf(r)
		if err != nil {
			s.fail(w, r, err, "", view{})
			return
		}
		v := viewOf(c)
		s.render(w, r, http.StatusOK, name, view{Title: title + v.Name, Page: name, User: s.userOf(r), Data: v})
	}
}

// chatPage is the conversation; a reply still being written is named on the page, so that its
// script follows it again after a reload.
func (s *Site) chatPage(w http.ResponseWriter, r *http.Request) {
	c, err := s.companionOf(r)
	if err != nil {
		s.fail(w, r, err, "", view{})
		return
	}
	v := viewOf(c)
	if t, err := s.d.Chat.CurrentTurn.Handle(r.Context(), chatuc.CurrentTurn{OwnerID: principalOf(r).UserID, CompanionID: c.ID()}); err == nil {
		v.TurnID = t.ID().String()
	}
	s.render(w, r, http.StatusOK, "chat", view{Title: v.Name, Page: "chat", User: s.userOf(r), Data: v})
}
func (s *Site) memoriesPage(w http.ResponseWriter, r *http.Request) {
	s.companionPage("memories", "Memories · ")(w, r)
}
func (s *Site) settingsPage(w http.ResponseWriter, r *http.Request) {
	s.companionPage("settings", "Settings · ")(w, r)
}

// galleryPage shows every picture, or one companion's (?companion=id).
func (s *Site) galleryPage(w http.ResponseWriter, r *http.Request) {
	var cv *companionView
	if id := r.URL.Query().Get("companion"); id != "" {
		r.SetPathValue("id", id)
		c, err := s.companionOf(r)
		if err != nil {
			s.fail(w, r, err, "", view{})
			return
		}
		v := viewOf(c)
		cv = &v
	}
	title := "Gallery"
	if cv != nil {
		title = "Gallery · " + cv.Name
	}
	s.render(w, r, http.StatusOK, "gallery", view{Title: title, Page: "gallery", User: s.userOf(r), Data: cv})
}

func (s *Site) pictureFormPage(w http.ResponseWriter, r *http.Request) {
	list, err := s.listCompanions(r, false)
	if err != nil {
		s.fail(w, r, err, "", view{})
		return
	}
	s.render(w, r, http.StatusOK, "picture_form", view{Title: "New picture", Page: "picture-form", User: s.userOf(r),
		Data: list, Form: url.Values{"companion_id": {r.URL.Query().Get("companion")}}})
}

// account is what the account page shows.
type accountData struct {
	Sessions      []accountuc.SessionView
	Adult         bool
	Notifications proactive.NotificationStatus
	Limits        limitsForm
	Usage         *usageView // nil: not shown
}

// usageView is what the providers did for the person over the last 30 days, and their quotas today.
type usageView struct {
	Quotas   []quotaRow
	Totals   []usageRow
	Currency string
	Cost     string
}

type quotaRow struct {
	Name, Used, Limit string
	Exceeded          bool
	ResetsAt          time.Time
}

type usageRow struct{ Name, Amount, Cost string }

// usageNames are how the account page names what is counted.
var usageNames = map[string]string{
	"tokens": "Model tokens", "pictures": "Pictures", "speech": "Characters spoken",
	"prompt_tokens": "Model tokens read", "completion_tokens": "Model tokens written", "speech_characters": "Characters spoken",
	"transcription_seconds": "Seconds of voice notes heard", "embedding_tokens": "Tokens embedded for memory",
}

func usageViewOf(r usage.Report) *usageView {
	v := &usageView{Currency: r.Currency, Cost: strconv.FormatFloat(r.Cost, 'f', 2, 64)}
	for _, q := range r.Quotas {
		row := quotaRow{Name: usageNames[string(q.Quota)], Used: strconv.FormatInt(q.Used, 10), Limit: "no limit",
			Exceeded: q.Exceeded(), ResetsAt: q.ResetsAt}
		if q.Limit > 0 {
			row.Limit = strconv.FormatInt(q.Limit, 10)
		}
		v.Quotas = append(v.Quotas, row)
	}
	for _, t := range r.Totals {
		v.Totals = append(v.Totals, usageRow{Name: usageNames[string(t.Kind)], Amount: strconv.FormatInt(t.Amount, 10),
			Cost: strconv.FormatFloat(t.Cost, 'f', 2, 64)})
	}
	return v
}

// limitsForm is the person's quiet hours and daily cap as the account page's form shows them.
type limitsForm struct {
	proactive.PreferencesStatus
	// QuietHours and DailyCap are the form's values: what the person chose ("" for the hub's;
	// "none" for never quiet).
	QuietHours, DailyCap string
	// Posted: the form failed, and shows what was posted instead.
	Posted bool
}

func limitsFormOf(st proactive.PreferencesStatus) limitsForm {
	f := limitsForm{PreferencesStatus: st}
	if q := st.Own.Quiet; q != nil {
		f.QuietHours = q.String()
		if f.QuietHours == "" {
			f.QuietHours = "none"
		}
	}
	if c := st.Own.DailyCap; c != nil {
		f.DailyCap = strconv.Itoa(*c)
	}
	return f
}

func (s *Site) accountView(r *http.Request) view {
	sessions, _ := s.d.Accounts.ListSessions.Handle(r.Context(), accountuc.ListSessions{Principal: principalOf(r)})
	adult, _ := s.d.Community.Adult.Handle(r.Context(), community.AdultStatus{UserID: principalOf(r).UserID})
	notes, _ := s.d.Proactive.Notifications.Handle(r.Context(), proactive.GetNotifications{UserID: principalOf(r).UserID})
	prefs, _ := s.d.Proactive.Preferences.Handle(r.Context(), proactive.GetPreferences{UserID: principalOf(r).UserID})
	data := accountData{Sessions: sessions, Adult: adult, Notifications: notes, Limits: limitsFormOf(prefs)}
	if s.d.Usage != nil {
		if rep, err := s.d.Usage.Mine.Handle(r.Context(), usage.Mine{UserID: principalOf(r).UserID}); err == nil {
			data.Usage = usageViewOf(rep)
		}
	}
	return view{Title: "Account", Page: "account", User: s.userOf(r), Notice: noticeOf(r), Data: data}
}

func (s *Site) accountPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "account", s.accountView(r))
}

func (s *Site) updateName(w http.ResponseWriter, r *http.Request) {
	if !s.parsed(w, r) {
		return
	}
	name := r.PostForm.Get("display_name")
	_, err := s.d.Accounts.UpdateMe.Handle(r.Context(), accountuc.UpdateMe{UserID: principalOf(r).UserID, DisplayName: &name,
		Meta: s.d.Sessions.Meta(r)})
	if err != nil {
		v := s.accountView(r)
		v.Form = r.PostForm
		s.fail(w, r, err, "account", v)
		return
	}
	seeOther(w, r, "/account?notice=name")
}

func (s *Site) changePassword(w http.ResponseWriter, r *http.Request) {
	if !s.parsed(w, r) {
		return
	}
	_, err := s.d.Accounts.ChangePassword.Handle(r.Context(), accountuc.ChangePassword{Principal: principalOf(r),
		Current: r.PostForm.Get("current_password"), New: r.PostForm.Get("new_password"), Meta: s.d.Sessions.Meta(r)})
	if err != nil {
		v := s.accountView(r)
		s.fail(w, r, err, "account", v) // passwords are never sent back into a page
		return
	}
	seeOther(w, r, "/account?notice=password")
}

// setSchedulePreferences saves the person's quiet hours and daily cap from the account page: an
// empty field is the hub's; quiet hours "none" are never quiet.
func (s *Site) setSchedulePreferences(w http.ResponseWriter, r *http.Request) {
	if !s.parsed(w, r) {
		return
	}
	in := proactive.SetPreferences{UserID: principalOf(r).UserID}
	var bad []domain.FieldViolation
	if q := strings.TrimSpace(r.PostForm.Get("quiet_hours")); q != "" {
		if strings.EqualFold(q, "none") {
			q = ""
		}
		in.QuietHours = &q
	}
	if c := strings.TrimSpace(r.PostForm.Get("daily_cap")); c != "" {
		n, err := strconv.Atoi(c)
		if err != nil {
			bad = append(bad, domain.Violation("daily_cap", "invalid", "a whole number, or empty for this hub's"))
		}
		in.DailyCap = &n
	}
	var err error
	if len(bad) > 0 {
		err = domain.Invalid(bad...)
	} else {
		_, err = s.d.Proactive.SetPreferences.Handle(r.Context(), in)
	}
	if err != nil {
		v := s.accountView(r)
		v.Form = r.PostForm
		data := v.Data.(accountData)
		data.Limits.Posted = true
		v.Data = data
		s.fail(w, r, err, "account", v)
		return
	}
	seeOther(w, r, "/account?notice=limits")
}

// setNotifications turns the person's notifications on or off from the account page.
func (s *Site) setNotifications(w http.ResponseWriter, r *http.Request) {
	if !s.parsed(w, r) {
		return
	}
	if _, err := s.d.Proactive.SetNotifications.Handle(r.Context(), proactive.SetNotifications{UserID: principalOf(r).UserID,
		Enabled: r.PostForm.Get("enabled") == "yes"}); err != nil {
		s.fail(w, r, err, "account", s.accountView(r))
		return
	}
	seeOther(w, r, "/account?notice=notifications")
}
