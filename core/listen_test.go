package core_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/companionhub/companionhub/core"
	"github.com/companionhub/companionhub/test/awaittest"
)

// get answers a GET of url (with a bearer token when one is given): status and body.
func get(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "GET", url, nil)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, string(body)
}

// With COMPANIONHUB_METRICS_ADDR set, /metrics is served on that address (behind the token when
// one is set too) and the public address answers it 404, in the JSON error shape.
func TestMetricsOnTheirOwnAddress(t *testing.T) {
	t.Parallel()
	const token = "scrape-me-if-you-can-42"
	cfg := config(t)
	cfg.HTTP.Addr, cfg.HTTP.Metrics.Addr, cfg.HTTP.Metrics.Token = "127.0.0.1:0", "127.0.0.1:0", token
	l, err := core.Listen(cfg)
	require.NoError(t, err)
	require.NotNil(t, l.Metrics)
	hub, err := core.New(t.Context(), cfg, zap.NewNop())
	require.NoError(t, err)
	t.Cleanup(hub.Close)
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- hub.ServeListeners(ctx, l) }()
	api, metrics := "http://"+l.HTTP.Addr().String(), "http://"+l.Metrics.Addr().String()

	status, body := get(t, metrics+"/metrics", token)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "companionhub_http_requests_in_flight")
	status, body = get(t, metrics+"/metrics", "")
	require.Equal(t, http.StatusUnauthorized, status, body)
	status, body = get(t, metrics+"/healthz", "")
	require.Equal(t, http.StatusNotFound, status, "the metrics address serves metrics alone: %s", body)

	status, body = get(t, api+"/metrics", token)
	require.Equal(t, http.StatusNotFound, status, body)
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &e), body)
	require.Equal(t, "not_found", e.Error.Code)
	status, _ = get(t, api+"/healthz", "")
	require.Equal(t, http.StatusOK, status)

	stop()
	require.NoError(t, awaittest.Recv(t, served, "the end of serving"))
}

// Listen names the address that is taken and its variable, and leaves nothing open.
func TestListenNamesTheTakenAddress(t *testing.T) {
	t.Parallel()
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer taken.Close()
	cfg := config(t)
	cfg.HTTP.Addr, cfg.HTTP.Metrics.Addr = "127.0.0.1:0", taken.Addr().String()
	_, err = core.Listen(cfg)
	require.ErrorContains(t, err, taken.Addr().String()+" (COMPANIONHUB_METRICS_ADDR)")
	cfg.HTTP.Addr, cfg.HTTP.Metrics.Addr = taken.Addr().String(), ""
	_, err = core.Listen(cfg)
	require.ErrorContains(t, err, taken.Addr().String()+" (COMPANIONHUB_HTTP_ADDR)")
}
