package faults_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/test/fakes/imagesfake"
	"github.com/companionhub/companionhub/test/fakes/openaifake"
	"github.com/companionhub/companionhub/test/fakes/speechfake"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
)

// side is a side step of the turn — the picture or the voice — whose provider faults are
// injected: where they go, and how the turn tells what became of it.
type side struct {
	provider string // as tallied
	feature  string // as the provider calls are named (usage.Call.Feature)
	step     chatuc.StepName
	options  chat.Options
	// told is what the stream said of the step: its failure, or nil when it delivered.
	told func(t *testing.T, events []chat.Event) *chat.Failure
	// givenUp is the failure the stream tells once the step gave up on a provider fault.
	givenUp chat.Failure
	// attached says whether the reply carries what the step makes.
	attached func(m chat.Message) bool
	requests func(h *hub) int
	// oversized are the fake's record of its oversized answers (OversizedEnded, OversizedWritten).
	oversized func(h *hub) (func(int) <-chan struct{}, func() []int64)
	faults    []sideFault
}

// sideFault is one fault of a side step's provider.
type sideFault struct {
	name   string
	once   func(h *hub) // scripts the fault for the next request
	always fakeOptions  // makes the fault what the fake answers every request
	kind   domain.Kind  // of the failed call
	// reason, when set, is the failed call's: a hang must be ended by the hub's deadline.
	reason string
	// retryAfter is the wait the provider asked for (0: none).
	retryAfter time.Duration
	// oversized is the size of an oversized answer (0: the fault is another).
	oversized int64
}

func pictureSide() side {
	f := func(name string, b imagesfake.Behaviour, kind domain.Kind, retryAfter time.Duration) sideFault {
		f := sideFault{name: name, once: func(h *hub) { h.images.Script(b) },
			always: fakeOptions{images: []imagesfake.Option{imagesfake.WithBehaviour(b)}},
			kind:   kind, retryAfter: retryAfter, oversized: b.Oversized}
		if b.Hang {
			f.reason = "image_timeout" // IMAGE_TIMEOUT
		}
		return f
	}
	return side{
		provider: "images", feature: "pictures", step: chatuc.StepPicture, options: chat.Options{Image: true},
		told: func(t *testing.T, events []chat.Event) *chat.Failure {
			told := decoded[chat.Picture](t, events, chat.EventImage)
			require.Len(t, told, 1, "the stream tells of the picture once")
			if told[0].Failure == nil {
				require.False(t, told[0].PictureID.IsZero(), "a picture told is in the gallery")
				require.NotEmpty(t, mediaURL(t, events, chat.EventImage), "a picture told can be shown")
			}
			return told[0].Failure
		},
		givenUp:  chat.Failure{Code: "failed", Message: "the picture could not be made"},
		attached: func(m chat.Message) bool { return !m.Image.Key.IsZero() },
		requests: func(h *hub) int { return len(h.images.Requests()) },
		oversized: func(h *hub) (func(int) <-chan struct{}, func() []int64) {
			return h.images.OversizedEnded, h.images.OversizedWritten
		},
		faults: []sideFault{
			f("429 with Retry-After", imagesfake.RateLimited("11"), domain.KindRateLimited, 11*time.Second),
			f("429 without Retry-After", imagesfake.RateLimited(""), domain.KindRateLimited, 0),
			f("500", imagesfake.Error(http.StatusInternalServerError), domain.KindUnavailable, 0),
			f("502", imagesfake.Error(http.StatusBadGateway), domain.KindUnavailable, 0),
			f("503", imagesfake.Error(http.StatusServiceUnavailable), domain.KindUnavailable, 0),
			f("hang", imagesfake.Hang(), domain.KindUnavailable, 0),
			f("malformed JSON", imagesfake.Malformed(), domain.KindUnavailable, 0),
			f("oversized answer", imagesfake.Oversized(oversizedAnswer), domain.KindUnavailable, 0),
			f("wrong Content-Type", imagesfake.WrongContentType(), domain.KindUnavailable, 0),
		},
	}
}

func voiceSide() side {
	f := func(name string, b speechfake.Behaviour, kind domain.Kind, retryAfter time.Duration) sideFault {
		f := sideFault{name: name, once: func(h *hub) { h.speech.Script(b) },
			always: fakeOptions{speech: []speechfake.Option{speechfake.WithBehaviour(b)}},
			kind:   kind, retryAfter: retryAfter, oversized: b.Oversized}
		if b.Hang {
			f.reason = "speech_timeout" // TTS_TIMEOUT
		}
		return f
	}
	return side{
		provider: "speech", feature: "speech", step: chatuc.StepSpeak, options: chat.Options{Voice: true},
		told: func(t *testing.T, events []chat.Event) *chat.Failure {
			told := decoded[chat.Voice](t, events, chat.EventAudio)
			require.Len(t, told, 1, "the stream tells of the voice once")
			if told[0].Failure == nil {
				require.NotEmpty(t, mediaURL(t, events, chat.EventAudio), "a voice told can be played")
			}
			return told[0].Failure
		},
		givenUp:  chat.Failure{Code: "failed", Message: "the voice could not be made"},
		attached: func(m chat.Message) bool { return !m.AudioKey.IsZero() },
		requests: func(h *hub) int { return len(h.speech.Requests()) },
		oversized: func(h *hub) (func(int) <-chan struct{}, func() []int64) {
			return h.speech.OversizedEnded, h.speech.OversizedWritten
		},
		faults: []sideFault{
			f("429 with Retry-After", speechfake.RateLimited("5"), domain.KindRateLimited, 5*time.Second),
			f("429 without Retry-After", speechfake.RateLimited(""), domain.KindRateLimited, 0),
			f("500", speechfake.Error(http.StatusInternalServerError), domain.KindUnavailable, 0),
			f("502", speechfake.Error(http.StatusBadGateway), domain.KindUnavailable, 0),
			f("503", speechfake.Error(http.StatusServiceUnavailable), domain.KindUnavailable, 0),
			f("hang", speechfake.Hang(), domain.KindUnavailable, 0),
			// The API answers audio, not JSON: its malformed answer is bytes that are no audio.
			f("malformed answer", speechfake.NotAudio(), domain.KindUnavailable, 0),
			f("oversized answer", speechfake.Oversized(oversizedAnswer), domain.KindUnavailable, 0),
			f("wrong Content-Type", speechfake.WrongContentType(), domain.KindUnavailable, 0),
		},
	}
}

// sideFaults injects each fault into the side step: once (the retry delivers) and on every attempt
// (the step gives up and says so). Either way the reply is complete and saved.
func sideFaults(t *testing.T, served *tally, s side) {
	for _, f := range s.faults {
		if f.oversized == 0 { // on every attempt only: see llmFaults
			t.Run(f.name+"/once", func(t *testing.T) {
				t.Parallel()
				sideRecovers(t, served, s, f)
			})
		}
		t.Run(f.name+"/always", func(t *testing.T) {
			t.Parallel()
			sideGivesUp(t, served, s, f)
		})
	}
}

// sideRecovers: the first attempt meets the fault, the retry delivers; the reply carries it.
func sideRecovers(t *testing.T, served *tally, s side, f sideFault) {
	h := newHub(t, fakeOptions{})
	f.once(h)
	sent := h.send(t, "Show me, and tell me.", s.options)
	events := h.follow(t, sent.Turn.ID())

	reply := requireReplyKept(t, h, sent, events)
	require.Nil(t, s.told(t, events), "the retry delivered")
	require.True(t, s.attached(reply), "the reply carries what the retry made")
	require.Equal(t, 2, s.requests(h), "the provider was asked again after the fault")
	calls := h.calls.of(s.feature)
	require.Len(t, calls, 2)
	requireFailedCall(t, calls[0], f.kind, f.reason)
	require.NoError(t, calls[1].Err)
	pauses := h.pauses.all()
	require.Len(t, pauses, 1, "one retry, one pause")
	requireBackoff(t, pauses, s.step, f.retryAfter)
	requireNothingLeaks(t, h, events)
	served.add(t, s.provider, 1)
	t.Logf("%s %s once: retried after %v, delivered", s.provider, f.name, pauses[0])
}

// sideGivesUp: every attempt meets the fault; the step makes all its attempts, with backoff, then
// tells the stream it gave up, in the hub's words — and the turn completes with its reply.
func sideGivesUp(t *testing.T, served *tally, s side, f sideFault) {
	h := newHub(t, f.always)
	sent := h.send(t, "Show me, and tell me.", s.options)
	events := h.follow(t, sent.Turn.ID())

	reply := requireReplyKept(t, h, sent, events)
	failure := s.told(t, events)
	require.NotNil(t, failure, "the stream says the step gave up")
	require.Equal(t, s.givenUp, *failure)
	require.False(t, s.attached(reply))
	attempts := chatuc.Policies[s.step].Attempts
	require.Equal(t, attempts, s.requests(h), "every attempt was made, and no more")
	calls := h.calls.of(s.feature)
	require.Len(t, calls, attempts)
	for _, c := range calls {
		requireFailedCall(t, c, f.kind, f.reason)
	}
	pauses := h.pauses.all()
	require.Len(t, pauses, attempts-1)
	requireBackoff(t, pauses, s.step, f.retryAfter)
	ended, written := s.oversized(h)
	requireBoundedRead(t, f.oversized, attempts, ended, written)
	requireNothingLeaks(t, h, events)
	served.add(t, s.provider, attempts)
	t.Logf("%s %s always: %d attempts, pauses %v, reply kept, stream told %q", s.provider, f.name, attempts, pauses, failure.Code)
}

// mediaURL is the URL the one event of type typ gives a client (the port's payload leaves URLs to
// the transport).
func mediaURL(t *testing.T, events []chat.Event, typ chat.EventType) string {
	t.Helper()
	for _, e := range events {
		if e.Type == typ {
			var v struct{ URL string }
			require.NoError(t, json.Unmarshal(e.Data, &v))
			return v.URL
		}
	}
	return ""
}

// requireReplyKept checks that the turn completed with the model's whole reply, saved once after
// the person's message, its row completed; it returns the saved reply.
func requireReplyKept(t *testing.T, h *hub, sent chatuc.Sent, events []chat.Event) chat.Message {
	t.Helper()
	last := events[len(events)-1]
	require.Equal(t, chat.EventComplete, last.Type, "%s", last.Data)
	done := decoded[chat.Completion](t, events, chat.EventComplete)[0]
	require.Equal(t, openaifake.DefaultReply, done.Text)
	hist := h.history(t)
	require.Len(t, hist, 2, "the message and its reply")
	require.Equal(t, sent.Message.ID, hist[1].Message.ID)
	require.Equal(t, done.MessageID, hist[0].Message.ID)
	require.Equal(t, done.Text, hist[0].Message.Text)
	turn := h.turn(t, sent.Turn.ID())
	require.Equal(t, chat.StatusCompleted, turn.Status())
	require.Equal(t, done.MessageID, turn.ReplyID())
	return hist[0].Message
}
