package web

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/eventjson"
	"github.com/companionhub/companionhub/internal/companionjson"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
	"github.com/companionhub/companionhub/usecase/community"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
	"github.com/companionhub/companionhub/usecase/voice"
)

// card is a companion as the list shows it.
type card struct {
	ID           string
	Name         string
	Description  string
	HeaderURL    string
	Relationship companion.Relationship
	LastMessage  string
	LastFromUser bool
	Trashed      bool
}

func (s *Site) cardOf(r *http.Request, c *companion.Companion, withLast bool) card {
	spec := c.Profile().Spec()
	out := card{ID: c.ID().String(), Name: spec.Name, Description: spec.Persona.Description,
		Relationship: c.Relationship(), Trashed: c.Deleted()}
	if h := c.Header(); !h.IsZero() {
		out.HeaderURL = eventjson.MediaURL(h.Key)
	}
	if withLast {
		page, _ := domain.NewPage("", 1)
		if res, err := s.d.Chat.History.Handle(r.Context(), chatuc.History{OwnerID: principalOf(r).UserID,
			CompanionID: c.ID(), Page: page}); err == nil && len(res.Items) > 0 {
			m := res.Items[0].Message
			out.LastMessage, out.LastFromUser = m.Text, m.Role == chat.RoleUser
		}
	}
	return out
}

// listPage is a page of companion cards and the link to the next.
type listPage struct {
	Items []card
	Next  string
}

func (s *Site) listCompanions(r *http.Request, trashed bool) (listPage, error) {
	page, err := domain.NewPage(r.URL.Query().Get("cursor"), 24)
	if err != nil {
		return listPage{}, err
	}
	res, err := s.d.Companions.List.Handle(r.Context(), companionuc.List{OwnerID: principalOf(r).UserID, Trashed: trashed, Page: page})
	if err != nil {
		return listPage{}, err
	}
	out := listPage{Items: make([]card, 0, len(res.Items))}
	for _, c := range res.Items {
		out.Items = append(out.Items, s.cardOf(r, c, !trashed))
	}
	if next := res.Next.String(); next != "" {
		out.Next = "?cursor=" + url.QueryEscape(next)
	}
	return out, nil
}

func (s *Site) companionsPage(w http.ResponseWriter, r *http.Request) {
	list, err := s.listCompanions(r, false)
	if err != nil {
		s.fail(w, r, err, "", view{})
		return
	}
	s.render(w, r, http.StatusOK, "companions", view{Title: "Your companions", Page: "companions", User: s.userOf(r),
		Data: list, Notice: noticeOf(r)})
}

func (s *Site) trashPage(w http.ResponseWriter, r *http.Request) {
	list, err := s.listCompanions(r, true)
	if err != nil {
		s.fail(w, r, err, "", view{})
		return
	}
	s.render(w, r, http.StatusOK, "trash", view{Title: "Trash", Page: "trash", User: s.userOf(r), Data: list})
}

// editor is what the companion form shows besides the values.
type editor struct {
	ID        string // "" while creating
	HeaderURL string
	Styles    []string
	Genders   []string
	Ratings   []string
	Voices    []voice.Voice
	// Speech says a speech backend is configured; OpenVoices that it names no voices and takes
	// any id (the companion's voice is then typed, not chosen).
	Speech     bool
	OpenVoices bool
	// Published is the companion's publication (nil: private); Adult, whether its owner confirmed
	// they are an adult (publishing needs it).
	Published *communityCard
	Adult     bool
}

func (s *Site) editorFor(r *http.Request, id, header string) editor {
	e := editor{ID: id, HeaderURL: header, Styles: []string{"anime", "realistic"},
		Genders: []string{"unspecified", "female", "male", "nonbinary"}, Ratings: []string{"general", "mature", "explicit"}}
	if s.d.Voices != nil && s.d.Voices.Configured() {
		e.Speech = true
		if list, err := s.d.Voices.ListVoices.Handle(r.Context(), voice.ListVoices{}); err == nil {
			e.Voices, e.OpenVoices = list.Voices, list.Open || len(list.Voices) == 0
		} else {
			e.OpenVoices = true // the list is out of reach: a voice can still be named
		}
	}
	return e
}

func (s *Site) newCompanionPage(w http.ResponseWriter, r *http.Request) {
	form := url.Values{"content_rating": {"general"}, "appearance.style": {"realistic"}, "appearance.gender": {"unspecified"}}
	s.render(w, r, http.StatusOK, "companion_form", view{Title: "New companion", Page: "companion-form", User: s.userOf(r),
		Data: s.editorFor(r, "", ""), Form: form})
}

// readForm parses a companion form, with its optional header picture.
func readForm(r *http.Request) (url.Values, []byte, error) {
	if err := r.ParseMultipartForm(1 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		return nil, nil, domain.E(domain.KindInvalid, "bad_form", "the form could not be read (is the picture too large?)")
	}
	picture, err := fileOf(r, "header")
	return r.PostForm, picture, err
}

// fileOf reads an uploaded file of the form (nil when none was chosen).
func fileOf(r *http.Request, field string) ([]byte, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	fhs := r.MultipartForm.File[field]
	if len(fhs) == 0 || fhs[0].Size == 0 {
		return nil, nil
	}
	f, err := fhs[0].Open()
	if err != nil {
		return nil, err
	}
	defer func(f multipart.File) { _ = f.Close() }(f)
	return io.ReadAll(f)
}

func (s *Site) createCompanion(w http.ResponseWriter, r *http.Request) {
	f, picture, err := readForm(r)
	v := view{Title: "New companion", Page: "companion-form", User: s.userOf(r), Data: s.editorFor(r, "", ""), Form: f}
	if err != nil {
		s.fail(w, r, err, "companion_form", v)
		return
	}
	spec, err := applyForm(companionjson.Profile{}, f)
	if err != nil {
		s.fail(w, r, err, "companion_form", v)
		return
	}
	owner := principalOf(r).UserID
	c, err := s.d.Companions.Create.Handle(r.Context(), companionuc.Create{OwnerID: owner, Profile: spec, Meta: s.d.Sessions.Meta(r)})
	if err != nil {
		s.fail(w, r, err, "companion_form", v)
		return
	}
	if picture != nil {
		if _, err := s.d.Companions.SetHeader.Handle(r.Context(), companionuc.SetHeader{OwnerID: owner, ID: c.ID(),
			Image: picture, Meta: s.d.Sessions.Meta(r)}); err != nil {
			// The companion exists: the person fixes the picture on its edit page, losing nothing.
			v.Data, v.Form = s.editorFor(r, c.ID().String(), ""), formOf(companionjson.FromSpec(c.Profile().Spec()))
			v.Title = "Edit " + spec.Name
			s.fail(w, r, err, "companion_form", v)
			return
		}
	}
	seeOther(w, r, "/chat/"+c.ID().String())
}

// companionOf reads the companion the path names.
func (s *Site) companionOf(r *http.Request) (*companion.Companion, error) {
	id, err := domain.ParseID(r.PathValue("id"))
	if err != nil {
		return nil, companion.ErrNotFound
	}
	return s.d.Companions.Get.Handle(r.Context(), companionuc.Get{OwnerID: principalOf(r).UserID, ID: id})
}

func headerURL(c *companion.Companion) string {
	if h := c.Header(); !h.IsZero() {
		return eventjson.MediaURL(h.Key)
	}
	return ""
}

func (s *Site) editCompanionPage(w http.ResponseWriter, r *http.Request) {
	c, err := s.companionOf(r)
	if err != nil {
		s.fail(w, r, err, "", view{})
		return
	}
	e := s.editorFor(r, c.ID().String(), headerURL(c))
	owner := principalOf(r).UserID
	if l, err := s.d.Community.Status.Handle(r.Context(), community.Status{OwnerID: owner, CompanionID: c.ID()}); err == nil {
		card := cardOfListing(l)
		e.Published = &card
	}
	e.Adult, _ = s.d.Community.Adult.Handle(r.Context(), community.AdultStatus{UserID: owner})
	s.render(w, r, http.StatusOK, "companion_form", view{Title: "Edit " + c.Profile().Spec().Name, Page: "companion-form",
		User: s.userOf(r), Data: e, Form: formOf(companionjson.FromSpec(c.Profile().Spec())), Notice: noticeOf(r)})
}

func (s *Site) updateCompanion(w http.ResponseWriter, r *http.Request) {
	c, err := s.companionOf(r)
	if err != nil {
		s.fail(w, r, err, "", view{})
		return
	}
	f, picture, err := readForm(r)
	v := view{Title: "Edit " + c.Profile().Spec().Name, Page: "companion-form", User: s.userOf(r),
		Data: s.editorFor(r, c.ID().String(), headerURL(c)), Form: f}
	if err != nil {
		s.fail(w, r, err, "companion_form", v)
		return
	}
	owner, meta := principalOf(r).UserID, s.d.Sessions.Meta(r)
	_, err = s.d.Companions.Update.Handle(r.Context(), companionuc.Update{OwnerID: owner, ID: c.ID(), Meta: meta,
		Change: func(cur companion.ProfileSpec) (companion.ProfileSpec, error) {
			return applyForm(companionjson.FromSpec(cur), f)
		}})
	if err != nil {
		s.fail(w, r, err, "companion_form", v)
		return
	}
	switch {
	case picture != nil:
		_, err = s.d.Companions.SetHeader.Handle(r.Context(), companionuc.SetHeader{OwnerID: owner, ID: c.ID(), Image: picture, Meta: meta})
	case f.Get("header.remove") != "":
		_, err = s.d.Companions.RemoveHeader.Handle(r.Context(), companionuc.RemoveHeader{OwnerID: owner, ID: c.ID(), Meta: meta})
	}
	if err != nil {
		s.fail(w, r, err, "companion_form", v)
		return
	}
	seeOther(w, r, "/companions/"+c.ID().String()+"/edit?notice=saved")
}

func (s *Site) trashCompanion(w http.ResponseWriter, r *http.Request) {
	id, err := domain.ParseID(r.PathValue("id"))
	if err == nil {
		_, err = s.d.Companions.Delete.Handle(r.Context(), companionuc.Delete{OwnerID: principalOf(r).UserID, ID: id, Meta: s.d.Sessions.Meta(r)})
	}
	if err != nil {
		s.fail(w, r, orNotFound(err), "", view{})
		return
	}
	seeOther(w, r, "/?notice=trashed")
}

func (s *Site) restoreCompanion(w http.ResponseWriter, r *http.Request) {
	id, err := domain.ParseID(r.PathValue("id"))
	if err == nil {
		_, err = s.d.Companions.Restore.Handle(r.Context(), companionuc.Restore{OwnerID: principalOf(r).UserID, ID: id, Meta: s.d.Sessions.Meta(r)})
	}
	if err != nil {
		s.fail(w, r, orNotFound(err), "", view{})
		return
	}
	seeOther(w, r, "/chat/"+id.String())
}

// orNotFound makes a malformed id what it is to the person: nothing of theirs.
func orNotFound(err error) error {
	if domain.AsError(err) == nil {
		return companion.ErrNotFound
	}
	return err
}

// importCompanion takes a character card (PNG, JSON or CHARX) from the list page's drop zone or
// its file input.
func (s *Site) importCompanion(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "The card could not be read.")
		return
	}
	data, err := fileOf(r, "card")
	if err != nil || data == nil {
		s.importFailed(w, r, domain.Invalid(domain.Violation("card", "required", "Choose a character card to import (PNG, JSON or CHARX).")))
		return
	}
	in := companionuc.ImportCard{OwnerID: principalOf(r).UserID, Data: data, Meta: s.d.Sessions.Meta(r)}
	if a := r.PostForm.Get("age"); a != "" {
		in.Age, _ = strconv.Atoi(a)
	}
	res, err := s.d.Companions.ImportCard.Handle(r.Context(), in)
	if err != nil {
		s.importFailed(w, r, err)
		return
	}
	notice := "imported"
	if len(res.Warnings) > 0 {
		notice = "imported-with-warnings"
	}
	seeOther(w, r, "/companions/"+res.Companion.ID().String()+"/edit?notice="+notice)
}

// importFailed shows the list again with why the card was not imported.
func (s *Site) importFailed(w http.ResponseWriter, r *http.Request, err error) {
	list, lerr := s.listCompanions(r, false)
	if lerr != nil {
		s.fail(w, r, err, "", view{})
		return
	}
	v := view{Title: "Your companions", Page: "companions", User: s.userOf(r), Data: list}
	if fs := domain.Violations(err); len(fs) > 0 {
		v.Hints = nil
		e := domain.AsError(err)
		msgs := make([]string, 0, len(fs))
		for _, f := range fs {
			msgs = append(msgs, f.Message)
		}
		s.fail(w, r, &domain.Error{Kind: e.Kind, Reason: e.Reason, Message: strings.Join(msgs, " ")}, "companions", v)
		return
	}
	s.fail(w, r, err, "companions", v)
}

// notices are the confirmations a page shows after a form sent the person to it: fixed texts
// chosen by a code in the URL, so that a link cannot make the site say anything else.
var notices = map[string]string{
	"saved":                  "Saved.",
	"trashed":                "Moved to the trash. You can restore it from there.",
	"imported":               "Imported. Check the profile, then start chatting.",
	"imported-with-warnings": "Imported, with parts of the card left out. Check the profile, then start chatting.",
	"name":                   "Your display name is changed.",
	"password":               "Your password is changed. Your other sessions were signed out.",
	"published":              "Published: anyone can find it in the community now.",
	"unpublished":            "Taken out of the community.",
	"cloned":                 "Your own copy: change anything, then start chatting.",
	"rated":                  "Thank you for rating.",
	"scheduled":              "Scheduled: the companion will write to you then.",
	"notifications":          "Your notification choice is saved.",
	"limits":                 "Your quiet hours and daily limit are saved.",
	"revoked":                "Revoked: the token no longer works.",
	"deleted":                "Your account and everything that was yours are deleted.",
	"reported":               "Thank you: the moderators will look at it.",
}

func noticeOf(r *http.Request) string { return notices[r.URL.Query().Get("notice")] }
