package a1111

import (
	"context"
	"math"
	"net/http"
	"time"

	"github.com/companionhub/companionhub/usecase/picture"
)

// progressPath skips the preview image, which the adapter does not show and the server would
// otherwise encode on every poll.
const progressPath = "/sdapi/v1/progress?skip_current_image=true"

// maxProgress bounds a progress answer, which is small without its preview.
const maxProgress = 64 << 10

// progressAnswer is the part of GET /sdapi/v1/progress the adapter reads.
type progressAnswer struct {
	Progress float64 `json:"progress"`
	State    struct {
		JobCount      int `json:"job_count"`
		JobNo         int `json:"job_no"`
		SamplingStep  int `json:"sampling_step"`
		SamplingSteps int `json:"sampling_steps"`
	} `json:"state"`
}

// fraction is how far the server's render is, 0…1: from its step counts while a job runs (exact,
// where progress adds 0.01 to keep its estimate from dividing by zero), else from progress.
func (p progressAnswer) fraction() float64 {
	f := p.Progress
	if s := p.State; s.JobCount >= 1 && s.SamplingSteps > 0 {
		f = (float64(s.JobNo) + float64(s.SamplingStep)/float64(s.SamplingSteps)) / float64(s.JobCount)
	}
	if math.IsNaN(f) {
		return 0
	}
	return min(max(f, 0), 1)
}

// watch polls the server's progress every interval while a render runs, reporting it as Done of
// total steps whenever Done rises. The stop function it returns ends the polling, waits until no
// report can come any more, and returns the last Done reported (0 when none was). A failed poll
// is skipped: progress is a nicety, and the render's own call says whether the server is there.
func (c *Client) watch(ctx context.Context, total int, progress func(picture.Progress)) (stop func() int) {
	if progress == nil || c.interval <= 0 || total <= 0 {
		return func() int { return 0 }
	}
	ctx, cancel := context.WithCancel(ctx)
	finished := make(chan struct{})
	last := 0
	go func() {
		defer close(finished)
		tick := time.NewTicker(c.interval)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			var p progressAnswer
			if c.call(ctx, http.MethodGet, progressPath, nil, &p, maxProgress) != nil || ctx.Err() != nil {
				continue
			}
			if done := int(p.fraction() * float64(total)); done > last {
				last = done
				progress(picture.Progress{Done: done, Total: total})
			}
		}
	}()
	return func() int {
		cancel()
		<-finished
		return last
	}
}
