package voice_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/test/clocktest"
	"github.com/companionhub/companionhub/test/fakes/mediafake"
	"github.com/companionhub/companionhub/test/fakes/observerfake"
	mediauc "github.com/companionhub/companionhub/usecase/media"
	"github.com/companionhub/companionhub/usecase/voice"
)

// stuckRows are media rows that cannot be deleted.
type stuckRows struct{ *mediafake.Rows }

func (stuckRows) Delete(context.Context, media.Key) error {
	return domain.Errorf(domain.KindUnavailable, "the database is away")
}

// heardNote is a voice note heard and kept by an app over blobs and rows, whose use cases obs hears.
func heardNote(t *testing.T, blobs *mediafake.Blobs, rows mediauc.Repository, obs *observerfake.Observer) (*voice.App, voice.Note) {
	t.Helper()
	app, err := voice.NewApp(voice.Deps{Transcriber: &hearing{out: voice.Transcript{Text: "hi"}}, Blobs: blobs, Media: rows,
		Clock: clocktest.New(now)}, obs)
	require.NoError(t, err)
	note, err := app.TranscribeNote.Handle(context.Background(), voice.TranscribeNote{OwnerID: domain.NewID(now),
		CompanionID: domain.NewID(now), Data: wav(time.Second)})
	require.NoError(t, err)
	require.True(t, blobs.Has(note.Audio.String()))
	return app, note
}

// A voice note that was not sent is forgotten: its row, then its file.
func TestADiscardedNoteLeavesNeitherRowNorFile(t *testing.T) {
	t.Parallel()
	blobs, rows := mediafake.NewBlobs(), &mediafake.Rows{}
	app, note := heardNote(t, blobs, rows, &observerfake.Observer{})
	_, err := app.DiscardNote.Handle(context.Background(), voice.DiscardNote{Audio: note.Audio})
	require.NoError(t, err)
	require.Equal(t, []media.Key{note.Audio}, rows.Deleted())
	require.False(t, blobs.Has(note.Audio.String()))
	require.Zero(t, blobs.Count())

	_, err = app.DiscardNote.Handle(context.Background(), voice.DiscardNote{})
	require.NoError(t, err, "no recording, nothing to forget")
	require.Len(t, rows.Deleted(), 1)
}

// A file that cannot be deleted once its row is gone is an orphan, left to cleanup-orphans; a row
// that cannot be deleted keeps its file (a row naming nothing would be worse). Either is reported.
func TestADiscardThatFailsIsReported(t *testing.T) {
	t.Parallel()
	t.Run("the file", func(t *testing.T) {
		t.Parallel()
		blobs, rows, obs := mediafake.NewBlobs(), &mediafake.Rows{}, &observerfake.Observer{}
		blobs.FailDelete = func(string) error { return domain.Errorf(domain.KindUnavailable, "the bucket is away") }
		app, note := heardNote(t, blobs, rows, obs)
		_, err := app.DiscardNote.Handle(context.Background(), voice.DiscardNote{Audio: note.Audio})
		requireKind(t, err, domain.KindUnavailable)
		require.Equal(t, []media.Key{note.Audio}, rows.Deleted(), "the row is gone: the file is an orphan")
		require.Equal(t, []string{"voice.transcribe_note", "voice.discard_note"}, obs.Names())
		require.Equal(t, err, obs.Errs()[1])
	})
	t.Run("the row", func(t *testing.T) {
		t.Parallel()
		blobs, obs := mediafake.NewBlobs(), &observerfake.Observer{}
		app, note := heardNote(t, blobs, stuckRows{&mediafake.Rows{}}, obs)
		_, err := app.DiscardNote.Handle(context.Background(), voice.DiscardNote{Audio: note.Audio})
		requireKind(t, err, domain.KindUnavailable)
		require.True(t, blobs.Has(note.Audio.String()), "the file its row names stays")
		require.Equal(t, err, obs.Errs()[1])
	})
}
