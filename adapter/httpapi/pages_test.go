package httpapi_test

import (
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/companionhub/companionhub/adapter/offline"
	"github.com/companionhub/companionhub/core"
	"github.com/companionhub/companionhub/test/sqlitetest"
)

// browser is a cookie-keeping client of a hub served over HTTP, that does not follow redirects
// (the tests read where a form sends the browser) and sends what a browser sends with a form of
// the same origin.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	hub, err := core.New(context.Background(), testConfig(t), zap.NewNop(), core.WithDatabase(sqlitetest.Open(t)),
		core.WithModel(offline.New(offline.Config{})))
	require.NoError(t, err)
	t.Cleanup(hub.Close)
	srv := httptest.NewServer(hub.Handler())
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: srv.URL, c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// page is one answer: status, where it redirects, and the (decompressed) body.
type page struct {
	status   int
	location string
	body     string
	header   http.Header
	wire     int // bytes on the wire (compressed when the server compressed)
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	req.Header.Set("Accept-Encoding", "gzip")
	res, err := b.c.Do(req)
	require.NoError(b.t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(b.t, err)
	body := raw
	if res.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(strings.NewReader(string(raw)))
		require.NoError(b.t, err)
		body, err = io.ReadAll(zr)
		require.NoError(b.t, err)
	}
	return page{status: res.StatusCode, location: res.Header.Get("Location"), body: string(body), header: res.Header, wire: len(raw)}
}

func (b *browser) get(path string) page {
	b.t.Helper()
	req, err := http.NewRequest("GET", b.base+path, nil)
	require.NoError(b.t, err)
	return b.do(req)
}

// post sends a form as a page of this site would (Sec-Fetch-Site: same-origin).
func (b *browser) post(path string, form url.Values, headers ...string) page {
	b.t.Helper()
	req, err := http.NewRequest("POST", b.base+path, strings.NewReader(form.Encode()))
	require.NoError(b.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

const pagePassword = "saffron-harbour-lighthouse-81"

func (b *browser) signUp(username string) {
	b.t.Helper()
	p := b.post("/signup", url.Values{"email": {username + "@example.com"}, "username": {username},
		"display_name": {"Ada"}, "password": {pagePassword}})
	require.Equal(b.t, http.StatusSeeOther, p.status, p.body)
	require.Equal(b.t, "/companions/new", p.location)
}

var wizard = url.Values{"name": {"Mira"}, "age": {"27"}, "content_rating": {"general"}, "appearance.style": {"realistic"},
	"appearance.gender": {"female"}, "appearance.hair_color": {"auburn"}, "persona.personality": {"warm, curious"},
	"default_outfit": {"white linen shirt\nblue jeans"}, "persona.interests": {"sailing, old maps"}}

func TestPagesWorkWithoutJavaScript(t *testing.T) {
	t.Parallel()
	b := newBrowser(t)
	// Signed out, a page sends the person to sign in, and back afterwards.
	p := b.get("/companions/new")
	require.Equal(t, http.StatusSeeOther, p.status)
	require.Equal(t, "/signin?next=%2Fcompanions%2Fnew", p.location)

	// A refused sign-up keeps what was typed (never the password) and says what is wrong where.
	p = b.post("/signup", url.Values{"email": {"ada@example.com"}, "username": {"ada"}, "display_name": {"Ada"}, "password": {"short"}})
	require.Equal(t, http.StatusUnprocessableEntity, p.status)
	require.Contains(t, p.body, `value="ada@example.com"`)
	require.Contains(t, p.body, "at least 12 characters")
	require.NotContains(t, p.body, `value="short"`)
	b.signUp("ada")

	// The wizard: a mistake is shown on its field with everything else kept; then it is created.
	bad := url.Values{}
	for k, v := range wizard {
		bad[k] = v
	}
	bad.Set("age", "16")
	p = b.post("/companions/new", bad)
	require.Equal(t, http.StatusUnprocessableEntity, p.status)
	require.Contains(t, p.body, `id="f-age-err"`)
	require.Contains(t, p.body, `value="Mira"`)
	require.Contains(t, p.body, "white linen shirt\nblue jeans")
	p = b.post("/companions/new", wizard)
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	require.True(t, strings.HasPrefix(p.location, "/chat/"), p.location)
	id := strings.TrimPrefix(p.location, "/chat/")

	p = b.get(p.location)
	require.Equal(t, http.StatusOK, p.status)
	require.Contains(t, p.body, "<h1>Mira</h1>")
	require.Contains(t, p.body, "white linen shirt, blue jeans", "the state header shows the outfit")
	p = b.get("/")
	require.Equal(t, http.StatusOK, p.status)
	require.Contains(t, p.body, "/chat/"+id)

	// Edit: only what the form sends changes; the list fields round-trip.
	p = b.get("/companions/" + id + "/edit")
	require.Contains(t, p.body, "white linen shirt\nblue jeans")
	require.Contains(t, p.body, `value="auburn"`)
	p = b.post("/companions/"+id+"/edit", url.Values{"name": {"Mira Vale"}})
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	p = b.get(p.location)
	require.Contains(t, p.body, "Saved.")
	require.Contains(t, p.body, `value="Mira Vale"`)
	require.Contains(t, p.body, `value="auburn"`, "a field the form did not send is kept")

	// Trash and restore.
	p = b.post("/companions/"+id+"/trash", nil)
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	require.NotContains(t, b.get("/").body, "/chat/"+id)
	require.Contains(t, b.get("/trash").body, "Mira Vale")
	p = b.post("/companions/"+id+"/restore", nil)
	require.Equal(t, "/chat/"+id, p.location)

	// Account: the display name; a refused password change says why.
	p = b.post("/account/name", url.Values{"display_name": {"Ada L."}})
	require.Equal(t, "/account?notice=name", p.location)
	require.Contains(t, b.get("/account").body, `value="Ada L."`)
	p = b.post("/account/password", url.Values{"current_password": {"wrong-wrong-wrong"}, "new_password": {"another-long-passphrase-42"}})
	require.NotEqual(t, http.StatusSeeOther, p.status)
	require.Contains(t, p.body, `class="problem"`)

	// Someone else's companion is not found, as a page.
	other := newBrowserOn(b)
	other.signUp("grace")
	p = other.get("/chat/" + id)
	require.Equal(t, http.StatusNotFound, p.status)
	require.Contains(t, p.header.Get("Content-Type"), "text/html")

	// Signing out ends the session.
	p = b.post("/signout", nil)
	require.Equal(t, "/signin", p.location)
	require.Equal(t, http.StatusSeeOther, b.get("/").status)
}

// newBrowserOn is a second browser (its own cookies) on b's hub.
func newBrowserOn(b *browser) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: b.t, base: b.base, c: &http.Client{Jar: jar, CheckRedirect: b.c.CheckRedirect}}
}

func TestSignInGoesBackOnlyToThisSite(t *testing.T) {
	t.Parallel()
	b := newBrowser(t)
	b.signUp("ada")
	b.post("/signout", nil)
	for next, want := range map[string]string{
		"/gallery": "/gallery", "//evil.example/": "/", "https://evil.example/": "/", "/\\evil.example": "/", "": "/",
	} {
		p := b.post("/signin", url.Values{"identifier": {"ada"}, "password": {pagePassword}, "next": {next}})
		require.Equal(t, http.StatusSeeOther, p.status, next)
		require.Equal(t, want, p.location, "next=%q", next)
	}
	p := b.post("/signin", url.Values{"identifier": {"ada"}, "password": {"wrong-wrong-wrong"}})
	require.Equal(t, http.StatusUnauthorized, p.status)
	require.Contains(t, p.body, `value="ada"`)
}

func TestCrossSiteFormsAreRefused(t *testing.T) {
	t.Parallel()
	b := newBrowser(t)
	b.signUp("ada")
	p := b.post("/companions/new", wizard, "Sec-Fetch-Site", "cross-site")
	require.Equal(t, http.StatusForbidden, p.status)
	p = b.post("/signout", nil, "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
	require.Equal(t, http.StatusForbidden, p.status)
	require.Equal(t, http.StatusOK, b.get("/account").status, "still signed in")
}

var (
	inlineScript = regexp.MustCompile(`<script(?:\s[^>]*)?>`)
	inlineStyle  = regexp.MustCompile(`(?i)<style|\sstyle=`)
	inlineEvent  = regexp.MustCompile(`(?i)\son[a-z]+=`)
	linked       = regexp.MustCompile(`(?:href|src)="([^"]+)"`)
)

// TestPagesAreStrictAndLight renders every page: no inline script, style or event handler (the
// CSP forbids them), nothing from another origin, and the chat page's first load — HTML, CSS and
// JavaScript, compressed as served — within 100 KB.
func TestPagesAreStrictAndLight(t *testing.T) {
	t.Parallel()
	b := newBrowser(t)
	b.signUp("ada")
	id := strings.TrimPrefix(b.post("/companions/new", wizard).location, "/chat/")
	for _, path := range []string{"/", "/companions/new", "/companions/" + id + "/edit", "/trash", "/chat/" + id,
		"/companions/" + id + "/memories", "/companions/" + id + "/settings", "/companions/" + id + "/schedules", "/gallery", "/gallery?companion=" + id,
		"/pictures/new", "/account", "/community", "/community?q=mira&sort=top_rated", "/rooms", "/rooms/" + id, "/no-such-page"} {
		p := b.get(path)
		require.Contains(t, []int{200, 404}, p.status, path)
		require.Contains(t, p.header.Get("Content-Security-Policy"), "script-src 'self'", path)
		for _, tag := range inlineScript.FindAllString(p.body, -1) {
			require.Contains(t, tag, ` src="/assets/`, "%s: every script is an embedded file", path)
		}
		require.False(t, inlineStyle.MatchString(p.body), "%s: no inline style", path)
		require.False(t, inlineEvent.MatchString(p.body), "%s: no inline event handler", path)
		for _, m := range linked.FindAllStringSubmatch(p.body, -1) {
			u := m[1]
			require.True(t, strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//") || strings.HasPrefix(u, "#"),
				"%s links %s: nothing from another origin", path, u)
		}
	}
	signIn := b.get("/signin")
	require.Equal(t, http.StatusSeeOther, signIn.status, "signed in: sign-in page moves on")

	chat := b.get("/chat/" + id)
	total := chat.wire
	for _, m := range linked.FindAllStringSubmatch(chat.body, -1) {
		if !strings.HasPrefix(m[1], "/assets/") || strings.HasSuffix(m[1], ".svg") {
			continue
		}
		a := b.get(m[1])
		require.Equal(t, http.StatusOK, a.status, m[1])
		require.Equal(t, "gzip", a.header.Get("Content-Encoding"), m[1])
		require.Equal(t, "public, max-age=31536000, immutable", a.header.Get("Cache-Control"), m[1])
		total += a.wire
	}
	t.Logf("chat page first load: %d bytes compressed", total)
	require.LessOrEqual(t, total, 100*1024, "the chat page's first load fits the budget")
	require.Equal(t, http.StatusNotFound, b.get("/assets/app.0000000000.js").status, "an old fingerprint is gone")
}

func TestUnknownPathsAnswerInTheirOwnKind(t *testing.T) {
	t.Parallel()
	b := newBrowser(t)
	p := b.get("/no-such-page")
	require.Equal(t, http.StatusNotFound, p.status)
	require.Contains(t, p.header.Get("Content-Type"), "text/html")
	p = b.get("/api/v1/no-such-thing")
	require.Equal(t, http.StatusNotFound, p.status)
	require.Contains(t, p.header.Get("Content-Type"), "application/json")
}

// TestCommunityWithoutJavaScript: publish from the edit page, find it as a visitor, rate it and
// make it one's own as another person — forms and links only.
func TestCommunityWithoutJavaScript(t *testing.T) {
	t.Parallel()
	author := newBrowser(t)
	author.signUp("ada")
	id := strings.TrimPrefix(author.post("/companions/new", wizard).location, "/chat/")
	edit := author.get("/companions/" + id + "/edit")
	require.Contains(t, edit.body, "I am 18 or older", "publishing asks for the adult confirmation first")
	p := author.post("/account/adult", url.Values{"adult": {"yes"}, "next": {"/companions/" + id + "/edit"}})
	require.Equal(t, "/companions/"+id+"/edit", p.location)
	p = author.post("/companions/"+id+"/publish", url.Values{"allow_card_export": {"1"}})
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	require.Contains(t, author.get(p.location).body, "Published since")

	visitor := newBrowserOn(author)
	list := visitor.get("/community?q=mir")
	require.Equal(t, http.StatusOK, list.status)
	require.Contains(t, list.body, "/community/"+id)
	page := visitor.get("/community/" + id)
	require.Equal(t, http.StatusOK, page.status)
	require.Contains(t, page.body, "Sign in</a> to rate it")
	require.NotContains(t, page.body, "white linen shirt", "the outfit is the companion's own, not shown as private data")
	require.Contains(t, visitor.post("/community/"+id+"/clone", nil).body, "session has ended", "cloning needs an account")

	reader := newBrowserOn(author)
	reader.signUp("grace")
	p = reader.post("/community/"+id+"/rating", url.Values{"rating": {"4"}})
	require.Equal(t, "/community/"+id+"?notice=rated", p.location)
	require.Contains(t, reader.get(p.location).body, "★ 4.0")
	p = reader.post("/community/"+id+"/clone", nil)
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	require.True(t, strings.HasSuffix(p.location, "/edit?notice=cloned"), p.location)
	require.Contains(t, reader.get(p.location).body, `value="Mira"`)
	p = reader.post("/community/"+id+"/report", url.Values{"reason": {"nonsense"}})
	require.Equal(t, http.StatusUnprocessableEntity, p.status)
	require.Contains(t, p.body, `class="problem"`)

	p = author.post("/companions/"+id+"/publish", url.Values{"publish": {"no"}})
	require.Equal(t, "/companions/"+id+"/edit?notice=unpublished", p.location)
	require.Equal(t, http.StatusNotFound, visitor.get("/community/"+id).status)
}

// TestSchedulesWithoutJavaScript: add a schedule from a preset, see its next occurrences, pause,
// resume and delete it; a bad cron is said on its field.
func TestSchedulesWithoutJavaScript(t *testing.T) {
	t.Parallel()
	b := newBrowser(t)
	b.signUp("ada")
	id := strings.TrimPrefix(b.post("/companions/new", wizard).location, "/chat/")
	page := "/companions/" + id + "/schedules"
	require.Contains(t, b.get(page).body, "writes only when you do")
	p := b.post(page, url.Values{"preset": {""}, "instruction": {"Ask about the exam"}, "cron": {"99 * * * *"}, "timezone": {"UTC"}})
	require.Equal(t, http.StatusUnprocessableEntity, p.status)
	require.Contains(t, p.body, "5-field cron")
	require.Contains(t, p.body, "Ask about the exam", "what was typed is kept")
	p = b.post(page, url.Values{"preset": {"morning_greeting"}, "timezone": {"Europe/Berlin"}})
	require.Equal(t, page+"?notice=scheduled", p.location, p.body)
	list := b.get(p.location)
	require.Contains(t, list.body, "Morning greeting")
	require.Contains(t, list.body, "08:00 CET", "the next occurrences, in the schedule's zone")
	sched := regexp.MustCompile(`action="/schedules/([0-9a-f-]+)"`).FindStringSubmatch(list.body)
	require.Len(t, sched, 2)
	require.Equal(t, page, b.post("/schedules/"+sched[1], url.Values{"do": {"pause"}}).location)
	require.Contains(t, b.get(page).body, "(paused)")
	b.post("/schedules/"+sched[1], url.Values{"do": {"resume"}})
	require.NotContains(t, b.get(page).body, "(paused)")
	b.post("/schedules/"+sched[1], url.Values{"do": {"delete"}})
	require.Contains(t, b.get(page).body, "writes only when you do")
	other := newBrowserOn(b)
	other.signUp("grace")
	require.Equal(t, http.StatusNotFound, other.post("/schedules/"+sched[1], url.Values{"do": {"pause"}}).status)
}

// The account page's limits: empty is the hub's, "none" is never quiet, a bad value keeps what
// was typed and says why, and the display name is not lost to another form's failure.
func TestScheduleLimitsWithoutJavaScript(t *testing.T) {
	t.Parallel()
	b := newBrowser(t)
	b.signUp("ada")
	acct := b.get("/account").body
	require.Contains(t, acct, "Now: quiet 22:30-07:00, at most 6 a day.")

	p := b.post("/account/schedule-preferences", url.Values{"quiet_hours": {"none"}, "daily_cap": {"2"}})
	require.Equal(t, "/account?notice=limits", p.location, p.body)
	acct = b.get(p.location).body
	require.Contains(t, acct, "Now: never quiet, at most 2 a day.")
	require.Contains(t, acct, `name="quiet_hours" placeholder="22:30-07:00" maxlength="11" value="none"`)

	p = b.post("/account/schedule-preferences", url.Values{"quiet_hours": {"late-ish"}, "daily_cap": {"99"}})
	require.Equal(t, http.StatusUnprocessableEntity, p.status)
	require.Contains(t, p.body, `value="late-ish"`, "what was typed is kept")
	require.Contains(t, p.body, "HH:MM-HH:MM (e.g. 22:30-07:00)")
	require.Contains(t, p.body, "daily_cap is 0 to 6")
	require.Contains(t, p.body, `name="display_name" required maxlength="100" value="Ada"`, "the other forms keep their values")
	require.Contains(t, b.get("/account").body, "Now: never quiet, at most 2 a day.", "a refused change changes nothing")

	p = b.post("/account/schedule-preferences", url.Values{"quiet_hours": {""}, "daily_cap": {""}})
	require.Equal(t, "/account?notice=limits", p.location, p.body)
	require.Contains(t, b.get("/account").body, "Now: quiet 22:30-07:00, at most 6 a day.", "back to the hub's")
}

// Access tokens without JavaScript: made with a name, scope and expiry, the secret shown on that
// answer only, listed with its hint, working against /v1, revoked.
func TestAccessTokensWithoutJavaScript(t *testing.T) {
	t.Parallel()
	b := newBrowser(t)
	b.signUp("ada")
	b.post("/companions/new", wizard)
	page := b.get("/account/tokens")
	require.Equal(t, http.StatusOK, page.status)
	require.Contains(t, page.body, "No tokens yet.")
	require.Regexp(t, `<code>mira-[0-9a-f]{8}</code>`, page.body, "the companion as a model id")
	require.Contains(t, page.body, b.base+"/v1")

	p := b.post("/account/tokens", url.Values{"name": {""}, "scope": {"chat"}, "expires": {"30"}, "password": {pagePassword}})
	require.Equal(t, http.StatusUnprocessableEntity, p.status)
	require.NotContains(t, p.body, pagePassword, "a password is never sent back into a page")
	require.Contains(t, p.body, `name="password"`)
	p = b.post("/account/tokens", url.Values{"name": {"SillyTavern"}, "scope": {"chat"}, "expires": {"30"}, "password": {"not-the-password"}})
	require.Equal(t, http.StatusUnprocessableEntity, p.status, "a token outlives the session: the password is asked again")
	require.NotContains(t, p.body, "not-the-password")
	p = b.post("/account/tokens", url.Values{"name": {"SillyTavern"}, "scope": {"chat"}, "expires": {"30"}, "password": {pagePassword}})
	require.Equal(t, http.StatusCreated, p.status, p.body)
	secret := regexp.MustCompile(`data-secret>(chp_[A-Za-z0-9_-]+)<`).FindStringSubmatch(p.body)
	require.Len(t, secret, 2, "the secret is shown once")
	require.Equal(t, "no-store", p.header.Get("Cache-Control"))
	list := b.get("/account/tokens").body
	require.NotContains(t, list, secret[1], "and never again")
	require.Contains(t, list, secret[1][:8]+"…", "its hint")
	require.Contains(t, list, "never used")

	req, err := http.NewRequest("GET", b.base+"/v1/models", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+secret[1])
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, b.get("/account/tokens").body, "last used")

	id := regexp.MustCompile(`action="/account/tokens/([0-9a-f-]+)/revoke"`).FindStringSubmatch(list)
	require.Len(t, id, 2)
	require.Equal(t, "/account/tokens?notice=revoked", b.post("/account/tokens/"+id[1]+"/revoke", nil).location)
	res, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusUnauthorized, res.StatusCode)
	other := newBrowserOn(b)
	other.signUp("grace")
	require.Equal(t, http.StatusNotFound, other.post("/account/tokens/"+id[1]+"/revoke", nil).status)
}

// Deleting the account from its page: the password is needed, and kept out of the page; then the
// person is signed out and cannot sign in again.
func TestDeleteTheAccountWithoutJavaScript(t *testing.T) {
	t.Parallel()
	b := newBrowser(t)
	b.signUp("ada")
	b.post("/companions/new", wizard)
	p := b.post("/account/delete", url.Values{"password": {"not-my-password-at-all"}})
	require.Equal(t, http.StatusUnprocessableEntity, p.status, p.body)
	require.Contains(t, p.body, "the current password is not correct")
	require.NotContains(t, p.body, "not-my-password-at-all")
	p = b.post("/account/delete", url.Values{"password": {pagePassword}})
	require.Equal(t, "/signin?notice=deleted", p.location, p.body)
	require.Contains(t, b.get(p.location).body, "everything that was yours are deleted")
	require.Equal(t, "/signin?next=%2Faccount", b.get("/account").location, "signed out")
	p = b.post("/signin", url.Values{"identifier": {"ada"}, "password": {pagePassword}})
	require.NotEqual(t, http.StatusSeeOther, p.status, "the account is gone")
}
