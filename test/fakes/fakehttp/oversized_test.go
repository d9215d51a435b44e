package fakehttp_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/test/fakes/fakehttp"
)

// An oversized answer is head, filler and tail, at least n bytes, which a client reading it all
// receives whole; one that stops reading and leaves has the server stop writing far short of it.
func TestOversized(t *testing.T) {
	t.Parallel()
	const n = 256 << 20
	written := make(chan int64, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		size := int64(n)
		if r.URL.Path == "/small" {
			size = 1 << 20
		}
		written <- fakehttp.Oversized(w, r, nil, http.StatusOK, "application/json", `{"data":"`, "AAAA", `"}`, size)
	}))
	defer srv.Close()

	resp, err := srv.Client().Get(srv.URL + "/small")
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	require.True(t, strings.HasPrefix(string(body), `{"data":"AAAA`) && strings.HasSuffix(string(body), `AAAA"}`))
	require.GreaterOrEqual(t, len(body), 1<<20)
	require.Equal(t, int64(len(body)), awaittest.Recv(t, written, "the answer's end"), "a client that reads it all gets it all")

	resp, err = srv.Client().Get(srv.URL + "/large")
	require.NoError(t, err)
	_, err = io.ReadFull(resp.Body, make([]byte, 1<<20))
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close()) // unread bytes left: the client closes the connection
	require.Less(t, awaittest.Recv(t, written, "the answer's end"), int64(n/2), "the server stops once the client left")
}
