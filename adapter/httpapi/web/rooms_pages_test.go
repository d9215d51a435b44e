package web_test

import (
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

// The rooms pages as the server renders them: shells their script fills, reachable signed in only,
// strict like every page. What they do in a browser is test/browser's (TestRoomConversation).

// client is a cookie-keeping client of a whole hub that does not follow redirects and sends what
// a page of the same origin sends.
type client struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newClient(t *testing.T) *client {
	t.Helper()
	cfg := core.DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.Blobs.URL = "mem://"
	cfg.PasswordHash.MemoryKiB, cfg.PasswordHash.Iterations = 1024, 1
	hub, err := core.New(context.Background(), cfg, zap.NewNop(), core.WithDatabase(sqlitetest.Open(t)),
		core.WithModel(offline.New(offline.Config{})))
	require.NoError(t, err)
	t.Cleanup(hub.Close)
	srv := httptest.NewServer(hub.Handler())
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: srv.URL, c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *client) do(method, path, contentType, body string) (*http.Response, string) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	require.NoError(c.t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := c.c.Do(req)
	require.NoError(c.t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(c.t, err)
	return res, string(b)
}

var (
	inlineScript = regexp.MustCompile(`<script[^>]*>`)
	inlineStyle  = regexp.MustCompile(`<style|\sstyle=`)
	inlineEvent  = regexp.MustCompile(`\son[a-z]+=`)
	roomsScript  = regexp.MustCompile(`<script src="(/assets/rooms\.[0-9a-f]+\.js)" defer></script>`)
)

func TestRoomPages(t *testing.T) {
	t.Parallel()
	c := newClient(t)

	res, _ := c.do("GET", "/rooms", "", "")
	require.Equal(t, http.StatusSeeOther, res.StatusCode, "signed out")
	require.Equal(t, "/signin?next="+url.QueryEscape("/rooms"), res.Header.Get("Location"))

	res, body := c.do("POST", "/signup", "application/x-www-form-urlencoded", url.Values{"email": {"ada@example.com"},
		"username": {"ada"}, "display_name": {"Ada"}, "password": {"saffron-harbour-lighthouse-81"}}.Encode())
	require.Equal(t, http.StatusSeeOther, res.StatusCode, body)
	res, body = c.do("POST", "/api/v1/companions", "application/json", `{"name":"Mira <b>","age":27}`)
	require.Equal(t, http.StatusCreated, res.StatusCode, body)

	res, body = c.do("GET", "/rooms", "", "")
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, body, `<a href="/rooms">Rooms</a>`, "the nav leads to the rooms")
	require.Contains(t, body, `name="companion_ids"`, "the person's companions to choose from")
	require.Contains(t, body, "Mira &lt;b&gt;", "names are escaped")
	require.Contains(t, body, "data-room-join")

	const id = "01937b2e-0000-7000-8000-000000000000"
	res, room := c.do("GET", "/rooms/"+id, "", "")
	require.Equal(t, http.StatusOK, res.StatusCode, "whether the room is the person's is the API's to say")
	require.Contains(t, room, `data-room="`+id+`"`)
	require.Regexp(t, `data-me="[0-9a-f-]{36}"`, room)

	for _, page := range []string{body, room} {
		m := roomsScript.FindStringSubmatch(page)
		require.NotNil(t, m, "the rooms' script")
		for _, tag := range inlineScript.FindAllString(page, -1) {
			require.Contains(t, tag, ` src="/assets/`, "every script is an embedded file")
		}
		require.False(t, inlineStyle.MatchString(page), "no inline style")
		require.False(t, inlineEvent.MatchString(page), "no inline event handler")
		res, js := c.do("GET", m[1], "", "")
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Contains(t, js, "new EventSource")
	}

	res, body = c.do("GET", "/rooms/not-a-room", "", "")
	require.Equal(t, http.StatusNotFound, res.StatusCode)
	require.Contains(t, res.Header.Get("Content-Type"), "text/html")
	require.Contains(t, body, "no such room")
}
