package httpapi

import (
	"net/http"
	"path"
	"slices"
	"strings"

	"github.com/companionhub/companionhub/domain"
)

// route is one entry of the API: the table drives the mux, the access-log/metrics route label, and
// the test that holds the OpenAPI document to the routes.
type route struct {
	method  string
	path    string
	auth    bool // requires a session (cookie or bearer) or a personal access token (see access)
	access  access
	openAI  bool // answers errors, authentication's included, in OpenAI's shape
	upload  bool // takes a file: the upload size limit applies instead of the JSON one
	handler http.HandlerFunc
}

func (rt route) pattern() string { return rt.method + " " + rt.path }

func (s *Server) routeTable() []route {
	routes := []route{
		{method: "GET", path: "/healthz", handler: s.healthz},
		{method: "GET", path: "/readyz", handler: s.readyz},
		{method: "GET", path: "/metrics", handler: s.metricsHandler().ServeHTTP},
		{method: "GET", path: "/api/v1/openapi.json", handler: s.openapi},

		{method: "POST", path: "/api/v1/auth/register", handler: s.register},
		{method: "POST", path: "/api/v1/auth/login", handler: s.login},
		{method: "POST", path: "/api/v1/auth/password-check", handler: s.passwordCheck},
		{method: "POST", path: "/api/v1/auth/logout", auth: true, access: sessionOnly, handler: s.logout},
		{method: "POST", path: "/api/v1/auth/logout-all", auth: true, access: sessionOnly, handler: s.logoutAll},

		{method: "GET", path: "/api/v1/me", auth: true, handler: s.getMe},
		{method: "PATCH", path: "/api/v1/me", auth: true, handler: s.updateMe},
		{method: "DELETE", path: "/api/v1/me", auth: true, access: sessionOnly, handler: s.deleteMe},
		{method: "GET", path: "/api/v1/me/export", auth: true, handler: s.exportMe},
		{method: "GET", path: "/api/v1/me/usage", auth: true, handler: s.getUsage},

		{method: "GET", path: "/api/v1/rooms", auth: true, handler: s.listRooms},
		{method: "POST", path: "/api/v1/rooms", auth: true, handler: s.createRoom},
		{method: "POST", path: "/api/v1/rooms/join", auth: true, handler: s.joinRoom},
		{method: "GET", path: "/api/v1/rooms/{id}", auth: true, handler: s.getRoom},
		{method: "PATCH", path: "/api/v1/rooms/{id}", auth: true, handler: s.updateRoom},
		{method: "DELETE", path: "/api/v1/rooms/{id}", auth: true, handler: s.deleteRoom},
		{method: "POST", path: "/api/v1/rooms/{id}/companions", auth: true, handler: s.addRoomCompanion},
		{method: "DELETE", path: "/api/v1/rooms/{id}/companions/{companion_id}", auth: true, handler: s.removeRoomCompanion},
		{method: "GET", path: "/api/v1/rooms/{id}/invites", auth: true, handler: s.listRoomInvites},
		{method: "POST", path: "/api/v1/rooms/{id}/invites", auth: true, handler: s.createRoomInvite},
		{method: "DELETE", path: "/api/v1/rooms/{id}/invites/{invite_id}", auth: true, handler: s.revokeRoomInvite},
		{method: "POST", path: "/api/v1/rooms/{id}/leave", auth: true, handler: s.leaveRoom},
		{method: "DELETE", path: "/api/v1/rooms/{id}/people/{user_id}", auth: true, handler: s.removeRoomPerson},
		{method: "GET", path: "/api/v1/rooms/{id}/messages", auth: true, handler: s.listRoomMessages},
		{method: "POST", path: "/api/v1/rooms/{id}/messages", auth: true, handler: s.sendRoomMessage},
		{method: "GET", path: "/api/v1/rooms/{id}/events", auth: true, handler: s.roomEvents},
		{method: "POST", path: "/api/v1/rooms/{id}/speak", auth: true, handler: s.letRoomCompanionSpeak},
		{method: "POST", path: "/api/v1/me/password", auth: true, access: sessionOnly, handler: s.changePassword},
		{method: "GET", path: "/api/v1/me/sessions", auth: true, handler: s.listSessions},
		{method: "DELETE", path: "/api/v1/me/sessions/{id}", auth: true, access: sessionOnly, handler: s.revokeSession},
		{method: "GET", path: "/api/v1/me/audit", auth: true, handler: s.listAudit},
		{method: "GET", path: "/api/v1/me/tokens", auth: true, handler: s.listTokens},
		{method: "POST", path: "/api/v1/me/tokens", auth: true, access: sessionOnly, handler: s.createToken},
		{method: "DELETE", path: "/api/v1/me/tokens/{id}", auth: true, handler: s.revokeToken},

		{method: "GET", path: "/api/v1/companions", auth: true, access: chatTokens, handler: s.listCompanions},
		{method: "POST", path: "/api/v1/companions", auth: true, handler: s.createCompanion},
		{method: "POST", path: "/api/v1/companions/import", auth: true, upload: true, handler: s.importCompanion},
		{method: "GET", path: "/api/v1/companions/{id}", auth: true, access: chatTokens, handler: s.getCompanion},
		{method: "PATCH", path: "/api/v1/companions/{id}", auth: true, handler: s.updateCompanion},
		{method: "DELETE", path: "/api/v1/companions/{id}", auth: true, handler: s.deleteCompanion},
		{method: "POST", path: "/api/v1/companions/{id}/restore", auth: true, handler: s.restoreCompanion},
		{method: "PUT", path: "/api/v1/companions/{id}/header-image", auth: true, upload: true, handler: s.setHeaderImage},
		{method: "DELETE", path: "/api/v1/companions/{id}/header-image", auth: true, handler: s.removeHeaderImage},
		{method: "GET", path: "/api/v1/companions/{id}/export", auth: true, handler: s.exportCompanion},
		{method: "GET", path: "/api/v1/companions/{id}/settings", auth: true, handler: s.getCompanionSettings},
		{method: "PATCH", path: "/api/v1/companions/{id}/settings", auth: true, handler: s.updateCompanionSettings},
		{method: "GET", path: "/api/v1/companions/{id}/lorebook", auth: true, handler: s.getLorebook},
		// A whole lorebook may be larger than a JSON body (up to companion.MaxBookBytes): the upload limit applies.
		{method: "PUT", path: "/api/v1/companions/{id}/lorebook", auth: true, upload: true, handler: s.putLorebook},
		{method: "POST", path: "/api/v1/companions/{id}/lorebook/import", auth: true, upload: true, handler: s.importLorebook},

		{method: "GET", path: "/api/v1/companions/{id}/messages", auth: true, access: chatTokens, handler: s.listMessages},
		{method: "POST", path: "/api/v1/companions/{id}/messages", auth: true, access: chatTokens, upload: true, handler: s.sendMessage},
		{method: "GET", path: "/api/v1/companions/{id}/turns/current", auth: true, access: chatTokens, handler: s.currentTurn},
		{method: "GET", path: "/api/v1/turns/{id}", auth: true, access: chatTokens, handler: s.getTurn},
		{method: "GET", path: "/api/v1/turns/{id}/events", auth: true, access: chatTokens, handler: s.turnEvents},
		{method: "POST", path: "/api/v1/turns/{id}/cancel", auth: true, access: chatTokens, handler: s.cancelTurn},
		{method: "POST", path: "/api/v1/messages/{id}/regenerate", auth: true, access: chatTokens, handler: s.regenerate},
		{method: "GET", path: "/api/v1/messages/{id}/alternatives", auth: true, access: chatTokens, handler: s.listAlternatives},
		{method: "PATCH", path: "/api/v1/messages/{id}", auth: true, access: chatTokens, handler: s.editMessage},
		{method: "DELETE", path: "/api/v1/messages/{id}", auth: true, access: chatTokens, handler: s.deleteMessage},

		{method: "GET", path: "/api/v1/companions/{id}/memories", auth: true, handler: s.listMemories},
		{method: "POST", path: "/api/v1/companions/{id}/memories", auth: true, handler: s.addMemory},
		{method: "POST", path: "/api/v1/companions/{id}/wipe", auth: true, handler: s.wipeMemory},
		{method: "PATCH", path: "/api/v1/memories/{id}", auth: true, handler: s.editMemory},
		{method: "DELETE", path: "/api/v1/memories/{id}", auth: true, handler: s.deleteMemory},
		{method: "GET", path: "/api/v1/companions/{id}/summary", auth: true, handler: s.getSummary},

		{method: "GET", path: "/api/v1/voices", auth: true, handler: s.listVoices},
		{method: "POST", path: "/api/v1/voices/{id}/preview", auth: true, handler: s.previewVoice},

		{method: "POST", path: "/api/v1/images", auth: true, handler: s.generateImage},
		{method: "GET", path: "/api/v1/images", auth: true, handler: s.listImages},
		{method: "GET", path: "/api/v1/images/samplers", auth: true, handler: s.listSamplers},
		{method: "GET", path: "/api/v1/images/{id}", auth: true, handler: s.getImage},
		{method: "DELETE", path: "/api/v1/images/{id}", auth: true, handler: s.deleteImage},

		{method: "POST", path: "/api/v1/companions/{id}/publish", auth: true, handler: s.publishCompanion},
		{method: "POST", path: "/api/v1/companions/{id}/unpublish", auth: true, handler: s.unpublishCompanion},
		{method: "GET", path: "/api/v1/companions/{id}/publication", auth: true, handler: s.getPublication},
		{method: "GET", path: "/api/v1/community/companions", handler: s.maybeAuthenticated(s.browseCommunity)},
		{method: "GET", path: "/api/v1/community/companions/{id}", handler: s.maybeAuthenticated(s.viewCommunityCompanion)},
		{method: "PUT", path: "/api/v1/community/companions/{id}/rating", auth: true, handler: s.rateCommunityCompanion},
		{method: "POST", path: "/api/v1/community/companions/{id}/clone", auth: true, handler: s.cloneCommunityCompanion},
		{method: "POST", path: "/api/v1/community/companions/{id}/reports", auth: true, handler: s.reportCommunityCompanion},
		{method: "GET", path: "/api/v1/community/companions/{id}/export", auth: true, handler: s.exportCommunityCompanion},
		{method: "GET", path: "/api/v1/schedule-presets", auth: true, handler: s.listSchedulePresets},
		{method: "GET", path: "/api/v1/companions/{id}/schedules", auth: true, handler: s.listSchedules},
		{method: "POST", path: "/api/v1/companions/{id}/schedules", auth: true, handler: s.createSchedule},
		{method: "PATCH", path: "/api/v1/schedules/{id}", auth: true, handler: s.updateSchedule},
		{method: "DELETE", path: "/api/v1/schedules/{id}", auth: true, handler: s.deleteSchedule},
		{method: "GET", path: "/api/v1/schedules/{id}/runs", auth: true, handler: s.listScheduleRuns},

		{method: "GET", path: "/api/v1/me/notifications", auth: true, handler: s.getNotifications},
		{method: "PUT", path: "/api/v1/me/notifications", auth: true, handler: s.putNotifications},
		{method: "GET", path: "/api/v1/me/schedule-preferences", auth: true, handler: s.getSchedulePreferences},
		{method: "PUT", path: "/api/v1/me/schedule-preferences", auth: true, handler: s.putSchedulePreferences},
		{method: "GET", path: "/api/v1/me/adult-confirmation", auth: true, handler: s.getAdult},
		{method: "PUT", path: "/api/v1/me/adult-confirmation", auth: true, handler: s.putAdult},

		{method: "GET", path: "/media/{dir}/{file}", handler: s.serveMedia},

		// OpenAI-compatible: every companion of the caller's is a model. Errors in OpenAI's shape.
		{method: "GET", path: "/v1/models", auth: true, access: chatTokens, openAI: true, handler: s.openAIModels},
		{method: "GET", path: "/v1/models/{id}", auth: true, access: chatTokens, openAI: true, handler: s.openAIModel},
		{method: "POST", path: "/v1/chat/completions", auth: true, access: chatTokens, openAI: true, handler: s.chatCompletions},
	}
	if s.cfg.Metrics.Addr != "" { // served on a listener of its own (MetricsHTTPServer), not here
		routes = slices.DeleteFunc(routes, func(rt route) bool { return rt.path == "/metrics" })
	}
	return routes
}

// wrapRoute records the route for logs and metrics, and authenticates when the route needs it.
func (s *Server) wrapRoute(rt route) http.Handler {
	h := rt.handler
	switch {
	case rt.auth && rt.openAI:
		h = s.openAIAuthenticated(rt.access, h)
	case rt.auth:
		h = s.authenticated(rt.access, h)
	}
	label := rt.pattern()
	limit := s.cfg.MaxBodyBytes
	if rt.upload {
		limit = s.cfg.MaxUploadBytes
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		infoFrom(r.Context()).route = label
		if r.ContentLength > limit {
			writeError(w, r, domain.E(domain.KindInvalid, reasonBodyTooLarge, "the request body is too large"))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		if isAPI(r) {
			// Responses about accounts must never be stored by shared caches.
			w.Header().Set("Cache-Control", "no-store")
		}
		h(w, r)
	})
}

func isAPI(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/api/") || strings.HasPrefix(r.URL.Path, "/v1/")
}

// jsonFallback answers requests no route takes with the JSON error shape instead of the mux's plain
// text, keeping its 404/405 distinction and Allow header. A path the mux would clean first (`//`,
// `.` or `..` segments) names no endpoint: it is a JSON 404 like any other, not the mux's HTML
// redirect — an API client is better told its path is wrong than sent elsewhere, and the answer is
// the same under /api and /media.
//
// A GET for a page path (outside /api, /media, /v1 and the probes) that no route takes is the web
// app's: notFound answers it with a page (nil: no pages here).
func jsonFallback(mux *http.ServeMux, notFound http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); notFound != nil && pattern == "" && isPage(r) && canonicalPath(r.URL.EscapedPath()) {
			infoFrom(r.Context()).route = "page not found"
			notFound(w, r)
			return
		}
		if !canonicalPath(r.URL.EscapedPath()) {
			writeError(w, r, domain.E(domain.KindNotFound, "no_route", "no such endpoint"))
			return
		}
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		probe := &headerProbe{header: http.Header{}}
		h.ServeHTTP(probe, r)
		switch probe.status {
		case http.StatusMethodNotAllowed:
			w.Header().Set("Allow", probe.header.Get("Allow"))
			writeError(w, r, domain.E(domain.KindInvalid, reasonMethodNotAllowed, "this endpoint does not accept "+r.Method))
		default:
			writeError(w, r, domain.E(domain.KindNotFound, "no_route", "no such endpoint"))
		}
	})
}

// canonicalPath reports whether p is a path the mux takes as it is: absolute, without empty, "." or
// ".." segments (a trailing slash is part of a path, not a segment).
func canonicalPath(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	clean := path.Clean(p)
	return clean == p || clean+"/" == p
}

// headerProbe runs a mux fallback handler only to learn its status and headers.
type headerProbe struct {
	header http.Header
	status int
}

func (p *headerProbe) Header() http.Header { return p.header }
func (p *headerProbe) WriteHeader(code int) {
	if p.status == 0 {
		p.status = code
	}
}
func (p *headerProbe) Write(b []byte) (int, error) {
	p.WriteHeader(http.StatusOK)
	return len(b), nil
}
