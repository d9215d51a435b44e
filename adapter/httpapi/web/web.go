// Package web is the hub's web app: server-rendered pages (html/template) over the same use cases as
// the JSON API, plus small hand-written JavaScript (embedded, fingerprinted, served immutable and
// compressed) for what needs a live page — the streamed reply, a room's conversation (rooms.js),
// infinite scroll, the lightbox. The basic forms (signing in and up, creating and editing a
// companion, the trash, the account) work without JavaScript; the interactive pages call the JSON
// API under /api/v1 with the session cookie.
//
// Nothing here is inline: no script or style in the HTML, so the strict Content-Security-Policy the
// HTTP server sends holds. The package owns only the pages' transport shapes (URLs, form fields,
// templates); the session cookie and the request's security context are the HTTP server's, reached
// through Sessions.
package web

import (
	"net/http"

	"go.uber.org/zap"

	"github.com/companionhub/companionhub/domain/account"
	"github.com/companionhub/companionhub/domain/audit"
	accountuc "github.com/companionhub/companionhub/usecase/account"
	"github.com/companionhub/companionhub/usecase/apitoken"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
	"github.com/companionhub/companionhub/usecase/community"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
	"github.com/companionhub/companionhub/usecase/proactive"
	"github.com/companionhub/companionhub/usecase/usage"
	"github.com/companionhub/companionhub/usecase/userdata"
	"github.com/companionhub/companionhub/usecase/voice"
)

// Sessions is what the pages need of the HTTP server's sessions: who is signed in, and handing the
// browser its session cookie or taking it back.
type Sessions interface {
	// Principal resolves the session the request presents (false when there is none, or it is no
	// longer valid).
	Principal(r *http.Request) (accountuc.Principal, bool)
	// Token is the session token the request presents ("" for none).
	Token(r *http.Request) string
	StartSession(w http.ResponseWriter, r *http.Request, token string, s *account.Session)
	EndSession(w http.ResponseWriter, r *http.Request)
	// Meta is who made the request, for the audit trail.
	Meta(r *http.Request) audit.Meta
}

// Deps are the use cases the pages call. Voices may be nil (no speech configured).
type Deps struct {
	Accounts   *accountuc.App
	Companions *companionuc.App
	Chat       *chatuc.App
	Voices     *voice.App
	Community  *community.App
	Proactive  *proactive.App
	Tokens     *apitoken.App
	UserData   *userdata.App
	// Usage shows a person what the providers did for them (nil: the account page does not).
	Usage    *usage.App
	Sessions Sessions
	// PublicURL is where people reach the hub ("": the address each request came to).
	PublicURL string
	Log       *zap.Logger
	// Features says which optional features the hub has, to show their controls.
	Features Features
}

// Features are the optional features a page shows controls for.
type Features struct {
	Pictures bool
	Voice    bool
}

// Route is one page: the HTTP server mounts it beside the API, with its middleware.
type Route struct {
	Method  string
	Path    string
	Upload  bool // takes a file: the upload size limit applies
	Handler http.HandlerFunc
}

// Site is the web app.
type Site struct {
	d      Deps
	assets *assets
	pages  *pages
}

// New builds the site: its templates and assets are parsed and compressed once, here.
func New(d Deps) (*Site, error) {
	a, err := loadAssets()
	if err != nil {
		return nil, err
	}
	p, err := loadPages(a)
	if err != nil {
		return nil, err
	}
	if d.Log == nil {
		d.Log = zap.NewNop()
	}
	return &Site{d: d, assets: a, pages: p}, nil
}

// Routes are the site's pages and assets. Every page resolves the request's session once, before
// its handler runs; assets need none.
func (s *Site) Routes() []Route {
	pages := s.pageRoutes()
	for i := range pages {
		pages[i].Handler = s.withSession(pages[i].Handler)
	}
	return append([]Route{{Method: "GET", Path: "/assets/{file}", Handler: s.assets.serve}}, pages...)
}

func (s *Site) pageRoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/{$}", Handler: s.home},
		{Method: "GET", Path: "/signin", Handler: s.signInPage},
		{Method: "POST", Path: "/signin", Handler: s.signIn},
		{Method: "GET", Path: "/signup", Handler: s.signUpPage},
		{Method: "POST", Path: "/signup", Handler: s.signUp},
		{Method: "POST", Path: "/signout", Handler: s.signOut},

		{Method: "GET", Path: "/companions/new", Handler: s.member(s.newCompanionPage)},
		{Method: "POST", Path: "/companions/new", Upload: true, Handler: s.member(s.createCompanion)},
		{Method: "POST", Path: "/companions/import", Upload: true, Handler: s.member(s.importCompanion)},
		{Method: "GET", Path: "/companions/{id}/edit", Handler: s.member(s.editCompanionPage)},
		{Method: "POST", Path: "/companions/{id}/edit", Upload: true, Handler: s.member(s.updateCompanion)},
		{Method: "POST", Path: "/companions/{id}/trash", Handler: s.member(s.trashCompanion)},
		{Method: "POST", Path: "/companions/{id}/restore", Handler: s.member(s.restoreCompanion)},
		{Method: "GET", Path: "/trash", Handler: s.member(s.trashPage)},

		{Method: "GET", Path: "/chat/{id}", Handler: s.member(s.chatPage)},
		{Method: "GET", Path: "/companions/{id}/memories", Handler: s.member(s.memoriesPage)},
		{Method: "GET", Path: "/companions/{id}/settings", Handler: s.member(s.settingsPage)},
		{Method: "GET", Path: "/gallery", Handler: s.member(s.galleryPage)},
		{Method: "GET", Path: "/pictures/new", Handler: s.member(s.pictureFormPage)},

		{Method: "GET", Path: "/rooms", Handler: s.member(s.roomsPage)},
		{Method: "GET", Path: "/rooms/{id}", Handler: s.member(s.roomPage)},

		{Method: "GET", Path: "/companions/{id}/schedules", Handler: s.member(s.schedulesPage)},
		{Method: "POST", Path: "/companions/{id}/schedules", Handler: s.member(s.createSchedule)},
		{Method: "POST", Path: "/schedules/{id}", Handler: s.member(s.changeSchedule)},

		{Method: "GET", Path: "/community", Handler: s.communityPage},
		{Method: "GET", Path: "/community/{id}", Handler: s.communityCompanionPage},
		{Method: "POST", Path: "/community/{id}/rating", Handler: s.member(s.rateCommunityCompanion)},
		{Method: "POST", Path: "/community/{id}/clone", Handler: s.member(s.cloneCommunityCompanion)},
		{Method: "POST", Path: "/community/{id}/report", Handler: s.member(s.reportCommunityCompanion)},
		{Method: "POST", Path: "/companions/{id}/publish", Handler: s.member(s.publishCompanion)},
		{Method: "POST", Path: "/account/adult", Handler: s.member(s.confirmAdult)},
		{Method: "POST", Path: "/account/notifications", Handler: s.member(s.setNotifications)},
		{Method: "POST", Path: "/account/schedule-preferences", Handler: s.member(s.setSchedulePreferences)},
		{Method: "GET", Path: "/account/tokens", Handler: s.member(s.tokensPage)},
		{Method: "POST", Path: "/account/tokens", Handler: s.member(s.createToken)},
		{Method: "POST", Path: "/account/tokens/{id}/revoke", Handler: s.member(s.revokeToken)},
		{Method: "POST", Path: "/account/delete", Handler: s.member(s.deleteAccount)},

		{Method: "GET", Path: "/account", Handler: s.member(s.accountPage)},
		{Method: "POST", Path: "/account/name", Handler: s.member(s.updateName)},
		{Method: "POST", Path: "/account/password", Handler: s.member(s.changePassword)},
	}
}

// NotFound answers a page path no route takes, as a page.
func (s *Site) NotFound(w http.ResponseWriter, r *http.Request) {
	s.withSession(func(w http.ResponseWriter, r *http.Request) {
		s.errorPage(w, r, http.StatusNotFound, "There is no page here.")
	})(w, r)
}
