package httpapi

import (
	"context"
	_ "embed"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/companionhub/companionhub/internal/spans"
	"github.com/companionhub/companionhub/usecase/logkey"
)

//go:embed openapi.json
var openapiDoc []byte

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

type readiness struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
}

// readyz checks every dependency in parallel, each within a short deadline, and answers 503 with
// the failing names when any is down. Failure details go to the log, not to the (public) response.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	res := readiness{Status: "ok", Checks: make(map[string]string, len(s.checkers))}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, c := range s.checkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := c.Check(ctx)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				res.Status = "unavailable"
				res.Checks[c.Name] = "down"
				s.log.Warn("readiness check failed", append([]zap.Field{zap.String(logkey.Component, c.Name),
					zap.String(logkey.RequestID, requestIDFrom(r.Context())), zap.Error(err)}, spans.LogFields(r.Context())...)...)
				return
			}
			res.Checks[c.Name] = "ok"
		}()
	}
	wg.Wait()
	status := http.StatusOK
	if res.Status != "ok" {
		status = http.StatusServiceUnavailable
	}
	writeJSON(w, status, res)
}

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(openapiDoc)
}

// OpsHandler serves the operational endpoints alone — GET /healthz, /readyz (checkers) and
// /metrics (reg) — for processes without the API, such as the Temporal worker.
func OpsHandler(checkers []Checker, reg *prometheus.Registry, log *zap.Logger) http.Handler {
	if log == nil {
		log = zap.NewNop()
	}
	s := &Server{checkers: checkers, registry: reg, log: log}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", s.metricsHandler())
	return mux
}
