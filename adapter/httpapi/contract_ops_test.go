package httpapi_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/core"
)

// With COMPANIONHUB_METRICS_TOKEN set, /metrics answers only a request bearing that token; any
// other gets 401 in the JSON error shape.
func TestMetricsRequireTheirTokenWhenOneIsSet(t *testing.T) {
	t.Parallel()
	const token = "scrape-me-if-you-can-42"
	c := newContract(t, func(cfg *core.Config) { cfg.HTTP.Metrics.Token = token })

	status, body, _ := c.call("GET", "/metrics", "", nil, true)
	require.Equal(t, http.StatusUnauthorized, status)
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Details struct {
				Reason string `json:"reason"`
			} `json:"details"`
		} `json:"error"`
	}
	require.NoError(t, json.Unmarshal(body, &e))
	require.Equal(t, "unauthenticated", e.Error.Code)
	require.Equal(t, "metrics_token_required", e.Error.Details.Reason)

	status, _, _ = c.call("GET", "/metrics", "not-the-metrics-token-at-all", nil, true)
	require.Equal(t, http.StatusUnauthorized, status)
	status, _, _ = c.call("GET", "/metrics", "", nil, false, header{"Authorization", "Basic " + token})
	require.Equal(t, http.StatusUnauthorized, status, "only as a bearer token")
	status, body, _ = c.call("GET", "/metrics", token, nil, true)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, string(body), "companionhub_http_requests_in_flight")
}

// With COMPANIONHUB_METRICS_ADDR set, the API's address does not serve /metrics.
func TestMetricsAreNotPublicWhenTheyHaveTheirOwnAddress(t *testing.T) {
	t.Parallel()
	c := newContract(t, func(cfg *core.Config) { cfg.HTTP.Metrics.Addr = "127.0.0.1:0" })
	status, body, _ := c.call("GET", "/metrics", "", nil, true)
	require.Equal(t, http.StatusNotFound, status, "%s", body)
}
