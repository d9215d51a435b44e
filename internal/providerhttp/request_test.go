package providerhttp_test

import (
	"errors"
	"io"
	"math"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/internal/providerhttp"
)

func TestNewJSONRequest(t *testing.T) {
	t.Parallel()
	req, err := providerhttp.NewJSONRequest(t.Context(), http.MethodPost, "http://host/api", map[string]int{"n": 1})
	require.NoError(t, err)
	body, err := io.ReadAll(req.Body)
	require.NoError(t, err)
	assert.JSONEq(t, `{"n":1}`, string(body))
	assert.Equal(t, "application/json", req.Header.Get("Content-Type"))
	assert.Equal(t, "application/json", req.Header.Get("Accept"))

	req, err = providerhttp.NewJSONRequest(t.Context(), http.MethodGet, "http://host/api", nil)
	require.NoError(t, err)
	assert.Nil(t, req.Body, "no body without a value")
	assert.Empty(t, req.Header.Get("Content-Type"))
	assert.Equal(t, "application/json", req.Header.Get("Accept"))

	_, err = providerhttp.NewJSONRequest(t.Context(), http.MethodPost, "http://host/api", math.NaN())
	assert.ErrorContains(t, err, "encode")
	_, err = providerhttp.NewJSONRequest(t.Context(), "BAD METHOD", "http://host/api", nil)
	assert.Error(t, err)
}

func TestSetBearer(t *testing.T) {
	t.Parallel()
	h := http.Header{}
	providerhttp.SetBearer(h, "")
	assert.Empty(t, h, "no key, no header")
	providerhttp.SetBearer(h, "sk-123")
	assert.Equal(t, "Bearer sk-123", h.Get("Authorization"))
}

func TestReadAll(t *testing.T) {
	t.Parallel()
	data, err := providerhttp.ReadAll(strings.NewReader("12345"), 5)
	require.NoError(t, err)
	assert.Equal(t, "12345", string(data), "exactly the bound is read whole")

	data, err = providerhttp.ReadAll(strings.NewReader("123456"), 5)
	require.ErrorIs(t, err, providerhttp.ErrTooLarge)
	assert.Equal(t, "the answer is longer than the adapter reads (5 bytes)", err.Error())
	assert.Equal(t, "12345", string(data), "the start is kept, to quote")

	broken := errors.New("connection reset")
	_, err = providerhttp.ReadAll(iotest.ErrReader(broken), 5)
	assert.Same(t, broken, err, "a failed read is returned as it is")
}
