package a1111fake

import (
	"net/http"
	"time"

	"github.com/companionhub/companionhub/test/fakes/fakehttp"
)

// state is the web UI's shared.state: one for the whole server, as only one render runs at a time.
type state struct {
	job             string
	jobCount, jobNo int
	step, steps     int
	timestamp       string
	started         time.Time
}

// render runs a render of steps sampling steps, each taking step and then waiting for gate (when
// not nil), after waiting for the queue. It reports false when the client left or the server
// closed first: unlike the web UI, which finishes a render nobody waits for, the fake stops.
func (s *Server) render(r *http.Request, steps int, step time.Duration, gate <-chan struct{}) bool {
	select {
	case s.queue <- struct{}{}:
	case <-r.Context().Done():
		return false
	case <-s.done:
		return false
	}
	defer func() { <-s.queue }()

	now := time.Now()
	s.setState(func(st *state) {
		*st = state{job: "scripts_txt2img", jobCount: 1, steps: steps, timestamp: now.Format("20060102150405"), started: now}
	})
	// Like state.end(): the job is over, the step counters keep their last values.
	defer s.setState(func(st *state) { st.job, st.jobCount = "", 0 })
	for i := 1; i <= steps; i++ {
		if !fakehttp.Wait(r, s.done, step) {
			return false
		}
		if gate != nil {
			select {
			case <-gate:
			case <-r.Context().Done():
				return false
			case <-s.done:
				return false
			}
		}
		s.setState(func(st *state) { st.step = i })
	}
	return true
}

func (s *Server) setState(f func(*state)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&s.state)
}

// progress answers as progressapi does: 0 when no job runs, else 0.01 plus the share of jobs and
// steps done (at most 1), an estimate of the time left, and the state.
func (s *Server) progress(w http.ResponseWriter) {
	s.mu.Lock()
	st := s.state
	s.mu.Unlock()
	out := map[string]any{
		"progress": 0.0, "eta_relative": 0.0, "current_image": nil, "textinfo": nil,
		"state": map[string]any{
			"skipped": false, "interrupted": false, "stopping_generation": false,
			"job": st.job, "job_count": st.jobCount, "job_timestamp": st.timestamp, "job_no": st.jobNo,
			"sampling_step": st.step, "sampling_steps": st.steps,
		},
	}
	if st.jobCount != 0 {
		p := 0.01
		if st.jobCount > 0 {
			p += float64(st.jobNo) / float64(st.jobCount)
		}
		if st.steps > 0 {
			p += float64(st.step) / float64(st.steps) / float64(st.jobCount)
		}
		elapsed := time.Since(st.started).Seconds()
		out["eta_relative"] = elapsed/p - elapsed
		out["progress"] = min(p, 1)
	}
	fakehttp.WriteJSON(w, http.StatusOK, out)
}
