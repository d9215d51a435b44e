package chattest_test

import (
	"context"
	"encoding/binary"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/test/chattest"
	"github.com/companionhub/companionhub/test/sqlitetest"
	"github.com/companionhub/companionhub/usecase"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
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
