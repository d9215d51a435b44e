package chattest_test

import (
	"context"
	"encoding/binary"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/local"
	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/test/chattest"
	"github.com/companionhub/companionhub/test/fakes/mediafake"
	"github.com/companionhub/companionhub/test/sqlitetest"
	"github.com/companionhub/companionhub/usecase"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
	"github.com/companionhub/companionhub/usecase/ratelimit"
	"github.com/companionhub/companionhub/usecase/voice"
)

// ears is a transcriber that hears the same words every time, and counts.
type ears struct {
	mu    sync.Mutex
	calls int
}

func (e *ears) Transcribe(context.Context, voice.Recording) (voice.Transcript, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.calls++
	return voice.Transcript{Text: "Good morning!"}, nil
}

func (e *ears) heard() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.calls
}

// aSecondOfWAV is a WAV recording of a second of silence, 8 kHz mono.
func aSecondOfWAV() []byte {
	b := make([]byte, 44+16000)
	copy(b, "RIFF")
	binary.LittleEndian.PutUint32(b[4:], 36+16000)
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], 1)
	binary.LittleEndian.PutUint16(b[22:], 1)
	binary.LittleEndian.PutUint32(b[24:], 8000)
	binary.LittleEndian.PutUint32(b[28:], 16000)
	binary.LittleEndian.PutUint16(b[32:], 2)
	binary.LittleEndian.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], 16000)
	return b
}

// A voice note is heard only for a companion the person may write to: nothing is spent on
// another's, an unknown or a trashed one. The one heard is a message with its recording, and the
// turn answers it.
func TestAVoiceNoteIsHeardOnlyForTheOwnCompanion(t *testing.T) {
	t.Parallel()
	db := sqlitetest.Open(t)
	e := &ears{}
	env := chattest.New(t, db, chattest.Options{Transcriber: e})
	owner, comp := chattest.NewCompanion(t, db, companion.ProfileSpec{})
	stranger, _ := chattest.NewCompanion(t, db, companion.ProfileSpec{})
	ctx := context.Background()
	note := func(owner, comp domain.ID) (chatuc.Sent, error) {
		return env.App.SendVoiceNote.Handle(ctx, chatuc.SendVoiceNote{OwnerID: owner, CompanionID: comp, Audio: aSecondOfWAV()})
	}

	_, err := note(stranger, comp)
	require.Equal(t, domain.KindNotFound, domain.KindOf(err))
	_, err = note(owner, domain.NewID(time.Now()))
	require.Equal(t, domain.KindNotFound, domain.KindOf(err))
	require.Zero(t, e.heard(), "nothing heard for a companion that is not the person's")

	sent, err := note(owner, comp)
	require.NoError(t, err)
	require.Equal(t, 1, e.heard())
	require.Equal(t, "Good morning!", sent.Message.Text)
	require.False(t, sent.Message.AudioKey.IsZero(), "the message keeps the recording")
	w := &world{db: db, env: env, owner: owner, comp: comp}
	evs := w.follow(t, sent.Turn.ID(), 0)
	require.Equal(t, chat.EventComplete, evs[len(evs)-1].Type)
}

func TestAVoiceNoteWithoutATranscriberIsNotConfigured(t *testing.T) {
	t.Parallel()
	db := sqlitetest.Open(t)
	env := chattest.New(t, db, chattest.Options{})
	owner, comp := chattest.NewCompanion(t, db, companion.ProfileSpec{})
	_, err := env.App.SendVoiceNote.Handle(context.Background(), chatuc.SendVoiceNote{OwnerID: owner, CompanionID: comp,
		Audio: aSecondOfWAV()})
	require.ErrorIs(t, err, usecase.ErrNotConfigured)
}

// voiceWorld is a world whose voice notes e hears, its files kept in blobs where the test sees them.
func voiceWorld(t *testing.T, e voice.Transcriber, edit func(*chattest.Options)) (*world, *mediafake.Blobs) {
	t.Helper()
	blobs := mediafake.NewBlobs()
	w := newWorld(t, func(o *chattest.Options) {
		o.Transcriber, o.Blobs = e, blobs
		if edit != nil {
			edit(o)
		}
	})
	return w, blobs
}

func (w *world) voiceNote(ctx context.Context, o chat.Options, key string) (chatuc.Sent, error) {
	return w.env.App.SendVoiceNote.Handle(ctx, chatuc.SendVoiceNote{OwnerID: w.owner, CompanionID: w.comp,
		Audio: aSecondOfWAV(), Options: o, IdempotencyKey: key})
}

// recordings are the keys of the companion's stored recordings (its rows of audio).
func (w *world) recordings(t *testing.T) []media.Key {
	t.Helper()
	items, err := sqlstore.MediaRepository(w.db).ListByCompanion(context.Background(), w.comp)
	require.NoError(t, err)
	var keys []media.Key
	for _, it := range items {
		if it.Kind == media.KindAudio {
			keys = append(keys, it.Key)
		}
	}
	return keys
}

// A voice note the hub refuses to send after hearing it keeps nothing of the person's recording:
// neither its row (which would keep the file from cleanup-orphans for ever) nor its file. Only a
// sent message keeps its recording.
func TestARefusedVoiceNoteKeepsNoRecording(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		edit func(*chattest.Options)
		// refuse brings the world to where the voice note is refused; it returns what is kept,
		// the recordings of earlier messages.
		refuse  func(t *testing.T, w *world) []media.Key
		options chat.Options
		want    domain.Kind
	}{{
		name: "a reply is being written",
		refuse: func(t *testing.T, w *world) []media.Key {
			w.runningTurn(t, "hi")
			return nil
		},
		want: domain.KindConflict,
	}, {
		name:    "a feature the hub does not have",
		options: chat.Options{Image: true},
		want:    domain.KindInvalid,
	}, {
		name: "the rate limit",
		edit: func(o *chattest.Options) { o.ChatRule = &ratelimit.Limit{Count: 1, Period: time.Hour} },
		refuse: func(t *testing.T, w *world) []media.Key {
			sent, err := w.voiceNote(ctx, chat.Options{}, "")
			require.NoError(t, err)
			w.follow(t, sent.Turn.ID(), 0)
			return []media.Key{sent.Message.AudioKey}
		},
		want: domain.KindRateLimited,
	}, {
		name: "the runner is full",
		edit: func(o *chattest.Options) { o.Runner = local.Config{Workers: 1, Queue: 1} },
		refuse: func(t *testing.T, w *world) []media.Key {
			// One turn runs and one waits, other people's; a third cannot start. The message is taken
			// back once it was stored, and its recording with it.
			w.fillRunner(t)
			return nil
		},
		want: domain.KindUnavailable,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := &ears{}
			w, blobs := voiceWorld(t, e, tc.edit)
			var kept []media.Key
			if tc.refuse != nil {
				kept = tc.refuse(t, w)
			}
			heard := e.heard()

			_, err := w.voiceNote(ctx, tc.options, "")
			require.Equal(t, tc.want, domain.KindOf(err), "refused: %v", err)
			require.Equal(t, heard+1, e.heard(), "the note was heard before it was refused")
			require.ElementsMatch(t, kept, w.recordings(t), "no row of the refused recording")
			require.Equal(t, len(kept), blobs.Count(), "nor its file")
			for _, k := range kept {
				require.True(t, blobs.Has(k.String()), "an earlier message's recording stays")
			}
		})
	}
}

// pairedEars hear two voice notes at once: each waits for the other, so that both are heard
// before either is sent.
type pairedEars struct {
	ears
	arrived sync.WaitGroup
}

func (e *pairedEars) Transcribe(ctx context.Context, rec voice.Recording) (voice.Transcript, error) {
	e.arrived.Done()
	both := make(chan struct{})
	go func() { e.arrived.Wait(); close(both) }()
	select {
	case <-both:
	case <-ctx.Done():
		return voice.Transcript{}, ctx.Err()
	}
	return e.ears.Transcribe(ctx, rec)
}

// Two tries of one voice note under one Idempotency-Key, both heard before either is sent, make
// one message: it keeps the first's recording, and the retry, answered with it, keeps nothing of
// its own. A later retry is answered without hearing the note again, and takes nothing away.
func TestARetriedVoiceNoteKeepsOneRecording(t *testing.T) {
	t.Parallel()
	e := &pairedEars{}
	e.arrived.Add(2)
	w, blobs := voiceWorld(t, e, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	var tries [2]chatuc.Sent
	var errs [2]error
	var wg sync.WaitGroup
	for i := range tries {
		wg.Go(func() { tries[i], errs[i] = w.voiceNote(ctx, chat.Options{}, "note-1") })
	}
	wg.Wait()
	require.NoError(t, errs[0])
	require.NoError(t, errs[1])
	require.Equal(t, 2, e.heard())
	require.Equal(t, tries[0].Turn.ID(), tries[1].Turn.ID(), "one turn")
	require.NotEqual(t, tries[0].Replayed, tries[1].Replayed, "one of them is the retry")
	first := tries[0].Message.AudioKey
	require.Equal(t, first, tries[1].Message.AudioKey)
	require.Equal(t, []media.Key{first}, w.recordings(t), "only the message's recording is kept")
	require.True(t, blobs.Has(first.String()))
	require.Equal(t, 1, blobs.Count(), "the retry's file is gone")

	again, err := w.voiceNote(ctx, chat.Options{}, "note-1")
	require.NoError(t, err)
	require.True(t, again.Replayed)
	require.Equal(t, 2, e.heard(), "a retry after the first was sent is not heard again")
	require.Equal(t, []media.Key{first}, w.recordings(t))
	require.True(t, blobs.Has(first.String()), "the message's recording stays")
	w.follow(t, again.Turn.ID(), 0)
}

// A voice note whose turn could not start, and whose message could not be taken back, was sent
// after all as far as the conversation goes: the message stays, and with it its recording.
func TestAVoiceNoteWhoseMessageStaysKeepsItsRecording(t *testing.T) {
	t.Parallel()
	w, blobs := voiceWorld(t, &ears{}, func(o *chattest.Options) { o.Runner = local.Config{Workers: 1, Queue: 1} })
	ctx := context.Background()
	w.fillRunner(t)
	// The database refuses to delete a message of this companion's.
	_, err := w.db.X.ExecContext(ctx, `CREATE TRIGGER keep_messages BEFORE DELETE ON messages
		WHEN OLD.companion_id = '`+w.comp.String()+`' BEGIN SELECT RAISE(ABORT, 'kept'); END`)
	require.NoError(t, err)

	_, err = w.voiceNote(ctx, chat.Options{}, "")
	require.Equal(t, domain.KindUnavailable, domain.KindOf(err), "the runner is full: %v", err)
	h := w.history(t)
	require.Len(t, h, 1, "the message could not be taken back")
	kept := h[0].Message.AudioKey
	require.False(t, kept.IsZero())
	require.Equal(t, []media.Key{kept}, w.recordings(t), "its recording stays")
	require.True(t, blobs.Has(kept.String()))
}

// fillRunner has other people's turns take the one worker and the one place in the queue of a
// runner configured so (Workers 1, Queue 1), until the test ends: a third turn cannot start.
func (w *world) fillRunner(t *testing.T) {
	t.Helper()
	w.model.shut()
	others, turns := make([]*world, 2), make([]domain.ID, 2)
	for i := range others {
		owner, comp := chattest.NewCompanion(t, w.db, companion.ProfileSpec{})
		others[i] = &world{db: w.db, env: w.env, model: w.model, owner: owner, comp: comp}
		turns[i] = others[i].send(t, "hello").Turn.ID()
	}
	t.Cleanup(func() {
		w.model.open()
		for i, o := range others {
			o.follow(t, turns[i], 0)
		}
	})
}
