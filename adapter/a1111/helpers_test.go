package a1111

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/test/fakes/a1111fake"
	"github.com/companionhub/companionhub/usecase/picture"
)

// request is a picture the tests render: small, with a seed.
func request() picture.Request {
	return picture.Request{Prompt: "a fox in the snow", NegativePrompt: "blurry", Width: 64, Height: 96, Steps: 2, Seed: 42}
}

// requireError checks err's kind and reason, and that no backend text reached its message.
func requireError(t *testing.T, err error, kind domain.Kind, reason string) *domain.Error {
	t.Helper()
	require.Error(t, err)
	e := domain.AsError(err)
	require.NotNil(t, e, "not a domain error: %v", err)
	assert.Equal(t, kind, e.Kind, "kind of %v", err)
	assert.Equal(t, reason, e.Reason, "reason of %v", err)
	assert.NotContains(t, e.Message, a1111fake.ProviderText, "backend text reached the message")
	return e
}

// front serves the fake behind handler, which answers the paths it wants to and passes the rest
// on (next), for servers the fake does not stage.
func front(t *testing.T, fake *a1111fake.Server, handler func(w http.ResponseWriter, r *http.Request, next http.Handler)) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler(w, r, fake) }))
	t.Cleanup(srv.Close)
	return srv.URL
}

// isList reports whether r asks for one of the lists.
func isList(r *http.Request) bool {
	return strings.HasSuffix(r.URL.Path, "/sd-models") || strings.HasSuffix(r.URL.Path, "/samplers")
}
