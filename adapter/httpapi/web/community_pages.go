package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/eventjson"
	"github.com/companionhub/companionhub/usecase/community"
)

// The community: browse and search published companions (open to visitors), a companion's page
// with rating, cloning and reporting for people with an account; publishing lives on the
// companion's edit page, the adult confirmation on the account page.

// communityCard is a published companion as the community pages show it.
type communityCard struct {
	ID            string
	Name          string
	Description   string
	HeaderURL     string
	Style         string
	Archetype     string
	Occupation    string
	Relationship  string
	Interests     []string
	Rating        string // the content rating
	Creator       string
	Views         int64
	Clones        int64
	RatingAverage string
	RatingCount   int64
	CardExport    bool
	Published     string
}

func cardOfListing(l community.Listing) communityCard {
	s := l.Companion.Profile().Shareable().Spec()
	c := communityCard{ID: l.Companion.ID().String(), Name: s.Name, Description: s.Persona.Description,
		Style: s.Appearance.Style.String(), Archetype: s.Persona.Archetype, Occupation: s.Persona.Occupation,
		Relationship: s.Persona.RelationshipToUser, Interests: s.Persona.Interests, Rating: s.ContentRating.String(),
		Creator: l.CreatorName, Views: l.Views, Clones: l.Clones, RatingCount: l.RatingCount, CardExport: l.AllowCardExport,
		RatingAverage: fmt.Sprintf("%.1f", l.RatingAverage()), Published: l.PublishedAt.UTC().Format("2 Jan 2006")}
	if h := l.Companion.Header(); !h.IsZero() {
		c.HeaderURL = eventjson.MediaURL(h.Key)
	}
	return c
}

// viewerOf is who looks at a community page: the signed-in person, or an anonymous visitor.
func (s *Site) viewerOf(r *http.Request) community.Viewer {
	v := community.Viewer{IP: s.d.Sessions.Meta(r).IP}
	if p, ok := principal(r); ok {
		v.UserID = p.UserID
	}
	return v
}

type communityList struct {
	Items []communityCard
	Next  string
	Adult bool
	Sorts []string
}

var filterFields = []string{"q", "style", "archetype", "relationship", "occupation", "interest", "content_rating", "sort"}

func (s *Site) communityPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	viewer := s.viewerOf(r)
	form := url.Values{}
	for _, f := range filterFields {
		form.Set(f, q.Get(f))
	}
	v := view{Title: "Community", Page: "community", User: s.userOf(r), Form: form}
	page, err := s.d.Community.Browse.Handle(r.Context(), community.Browse{Viewer: viewer, Query: q.Get("q"), Style: q.Get("style"),
		Archetype: q.Get("archetype"), Relationship: q.Get("relationship"), Occupation: q.Get("occupation"),
		Interest: q.Get("interest"), ContentRating: q.Get("content_rating"), Sort: q.Get("sort"), Cursor: q.Get("cursor"), Limit: 24})
	list := communityList{Sorts: []string{"newest", "popular", "top_rated"}}
	if !viewer.UserID.IsZero() {
		list.Adult, _ = s.d.Community.Adult.Handle(r.Context(), community.AdultStatus{UserID: viewer.UserID})
	}
	v.Data = &list
	if err != nil {
		s.fail(w, r, err, "community", v)
		return
	}
	for _, l := range page.Items {
		list.Items = append(list.Items, cardOfListing(l))
	}
	if page.Next != "" {
		next := url.Values{}
		for _, f := range filterFields {
			if q.Get(f) != "" {
				next.Set(f, q.Get(f))
			}
		}
		next.Set("cursor", page.Next)
		list.Next = "/community?" + next.Encode()
	}
	s.render(w, r, http.StatusOK, "community", v)
}

// communityDetail is a published companion's page.
type communityDetail struct {
	Card     communityCard
	MyRating int
	Own      bool
	SignedIn bool
	Reasons  []string
}

func (s *Site) communityCompanionPage(w http.ResponseWriter, r *http.Request) {
	s.showCommunityCompanion(w, r, http.StatusOK, view{Notice: noticeOf(r)})
}

func (s *Site) showCommunityCompanion(w http.ResponseWriter, r *http.Request, status int, v view) {
	id, err := domain.ParseID(r.PathValue("id"))
	if err != nil {
		s.fail(w, r, community.ErrNotPublished, "", view{})
		return
	}
	viewer := s.viewerOf(r)
	seen, err := s.d.Community.View.Handle(r.Context(), community.View{Viewer: viewer, CompanionID: id})
	if err != nil {
		s.fail(w, r, err, "", view{})
		return
	}
	card := cardOfListing(seen.Listing)
	v.Title, v.Page, v.User = card.Name, "community-companion", s.userOf(r)
	v.Data = communityDetail{Card: card, MyRating: seen.MyRating, SignedIn: !viewer.UserID.IsZero(),
		Own: seen.Listing.Companion.OwnerID() == viewer.UserID, Reasons: community.ReportReasons}
	s.render(w, r, status, "community_companion", v)
}

func (s *Site) rateCommunityCompanion(w http.ResponseWriter, r *http.Request) {
	id, _ := domain.ParseID(r.PathValue("id"))
	if !s.parsed(w, r) {
		return
	}
	n, _ := strconv.Atoi(r.PostForm.Get("rating"))
	if _, err := s.d.Community.Rate.Handle(r.Context(), community.Rate{UserID: principalOf(r).UserID, CompanionID: id, Rating: n}); err != nil {
		s.communityFailed(w, r, err)
		return
	}
	seeOther(w, r, "/community/"+id.String()+"?notice=rated")
}

func (s *Site) cloneCommunityCompanion(w http.ResponseWriter, r *http.Request) {
	id, _ := domain.ParseID(r.PathValue("id"))
	c, err := s.d.Community.Clone.Handle(r.Context(), community.Clone{UserID: principalOf(r).UserID, CompanionID: id, Meta: s.d.Sessions.Meta(r)})
	if err != nil {
		s.communityFailed(w, r, err)
		return
	}
	seeOther(w, r, "/companions/"+c.ID().String()+"/edit?notice=cloned")
}

func (s *Site) reportCommunityCompanion(w http.ResponseWriter, r *http.Request) {
	id, _ := domain.ParseID(r.PathValue("id"))
	if !s.parsed(w, r) {
		return
	}
	if _, err := s.d.Community.Report.Handle(r.Context(), community.ReportCompanion{UserID: principalOf(r).UserID, CompanionID: id,
		Reason: r.PostForm.Get("reason"), Details: r.PostForm.Get("details"), Meta: s.d.Sessions.Meta(r)}); err != nil {
		s.communityFailed(w, r, err)
		return
	}
	seeOther(w, r, "/community/"+id.String()+"?notice=reported")
}

// communityFailed shows the companion's page again with why the form was refused.
func (s *Site) communityFailed(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := statusOf(err)
	if status == http.StatusNotFound {
		s.fail(w, r, err, "", view{})
		return
	}
	s.showCommunityCompanion(w, r, status, view{Problem: msg})
}

// publishCompanion publishes (or unpublishes) a companion from its edit page.
func (s *Site) publishCompanion(w http.ResponseWriter, r *http.Request) {
	id, err := domain.ParseID(r.PathValue("id"))
	if err != nil {
		s.fail(w, r, orNotFound(err), "", view{})
		return
	}
	if !s.parsed(w, r) {
		return
	}
	owner, meta := principalOf(r).UserID, s.d.Sessions.Meta(r)
	notice := "published"
	if r.PostForm.Get("publish") == "no" {
		_, err = s.d.Community.Unpublish.Handle(r.Context(), community.Unpublish{OwnerID: owner, CompanionID: id, Meta: meta})
		notice = "unpublished"
	} else {
		_, err = s.d.Community.Publish.Handle(r.Context(), community.Publish{OwnerID: owner, CompanionID: id,
			AllowCardExport: r.PostForm.Get("allow_card_export") != "", Meta: meta})
	}
	if err != nil {
		s.fail(w, r, err, "", view{})
		return
	}
	seeOther(w, r, "/companions/"+id.String()+"/edit?notice="+notice)
}

// confirmAdult records (or withdraws) the person's adult confirmation from the account page.
func (s *Site) confirmAdult(w http.ResponseWriter, r *http.Request) {
	if !s.parsed(w, r) {
		return
	}
	adult := r.PostForm.Get("adult") == "yes"
	if _, err := s.d.Community.ConfirmAdult.Handle(r.Context(), community.ConfirmAdult{UserID: principalOf(r).UserID, Adult: adult,
		Meta: s.d.Sessions.Meta(r)}); err != nil {
		s.fail(w, r, err, "", view{})
		return
	}
	back := safeNext(r.PostForm.Get("next"))
	if back == "/" {
		back = "/account"
	}
	seeOther(w, r, back)
}
