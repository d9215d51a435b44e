package espeak

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/usecase/voice"
)

// These tests run fake programs (main_test.go), so they need no espeak-ng.

func TestMissingProgramSaysWhatToInstall(t *testing.T) {
	t.Parallel()
	for _, path := range []string{"/nonexistent/espeak-ng", "no-such-espeak-program"} {
		c := DefaultConfig()
		c.Path = path
		_, err := New(c)
		require.Error(t, err)
		assert.Equal(t, domain.KindInternal, domain.KindOf(err))
		assert.Contains(t, err.Error(), path)
		assert.Contains(t, err.Error(), "apt-get install espeak-ng")
		assert.Contains(t, err.Error(), "COMPANIONHUB_TTS_ESPEAK_PATH")
	}
}

func TestRunsWithoutAShellAndTextOnStdin(t *testing.T) {
	t.Parallel()
	s := fake(t, "args")
	text := "-v xx --stdout; $(rm -rf /) `id` Zoë 😊 \x01\x00end"
	a, err := s.Synthesize(t.Context(), voice.Request{Text: text, VoiceID: "fr-fr", Format: media.MP3})
	require.NoError(t, err)
	log := fakeLog(t, "args")
	assert.Equal(t, []string{"--voices", "--voices=variant", "--stdin --stdout -v fr-fr -s 175 -p 50"}, log)
	stdin, err := os.ReadFile(filepath.Join(fakes, "args.stdin"))
	require.NoError(t, err)
	assert.Equal(t, "-v xx --stdout; $(rm -rf /) `id` Zoë 😊   end\n", string(stdin),
		"the text goes as it is, but for control characters")

	assert.Equal(t, media.WAV, a.ContentType)
	require.NoError(t, voice.CheckAudio(a))
	assert.Equal(t, 500*time.Millisecond, a.Duration, "22 050 bytes at 44 100 bytes a second")
	assert.Len(t, a.Data, 44+22050)
}

// TestVoiceIsCheckedBeforeRunning: an id that is not one the program listed — an option, a path,
// a language it would silently replace by a near one, a variant in the wrong case — is refused
// without running anything.
func TestVoiceIsCheckedBeforeRunning(t *testing.T) {
	t.Parallel()
	s := fake(t, "refuse")
	for _, id := range []string{
		"-w /tmp/x", "-w", "--stdout", "-", "+f3", "en-us -w /tmp/x", "../../etc/passwd", "en-us/../x",
		"en-xx", "de", "en-us+F3", "en-us+nosuch", "en-us+f3+f3", "en us", "en-us\n", "é", "en-us;id",
	} {
		_, err := s.Synthesize(t.Context(), voice.Request{Text: "hello", VoiceID: id})
		require.ErrorIs(t, err, errBadVoice, "voice %q", id)
		assert.Equal(t, domain.KindInvalid, domain.KindOf(err), "voice %q", id)
	}
	for _, run := range fakeLog(t, "refuse") {
		assert.Contains(t, []string{"--voices", "--voices=variant"}, run, "only the voices were listed: nothing was spoken")
	}

	for _, id := range []string{"en-us", "EN-US", "gmw/en-US", "en-us+f3", "roa/fr+f3"} {
		assert.True(t, s.voices.has(id), "voice %q", id)
	}
}

func TestDefaultVoiceMustExist(t *testing.T) {
	t.Parallel()
	for _, id := range []string{"de", "-w /tmp/x"} {
		c := DefaultConfig()
		c.Path, c.Voice = filepath.Join(fakes, "ok"), id
		_, err := New(c)
		require.Error(t, err, "voice %q", id)
		assert.Equal(t, domain.KindInternal, domain.KindOf(err))
		assert.Contains(t, err.Error(), id)
	}
}

func TestFailedRunKeepsItsOutputOutOfTheMessage(t *testing.T) {
	t.Parallel()
	_, err := fake(t, "fail").Synthesize(t.Context(), voice.Request{Text: "hello"})
	require.ErrorIs(t, err, errFailed)
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err))
	var de *domain.Error
	require.True(t, errors.As(err, &de))
	assert.NotContains(t, de.Message, "secret")
	assert.Contains(t, err.Error(), "/secret/path", "the log gets espeak-ng's words")
}

func TestUnknownVoiceFromTheProgramIsInvalid(t *testing.T) {
	t.Parallel()
	_, err := fake(t, "novoice").Synthesize(t.Context(), voice.Request{Text: "hello"})
	require.ErrorIs(t, err, errBadVoice)
	assert.Equal(t, domain.KindInvalid, domain.KindOf(err))
}

func TestDeadlineKillsTheProgram(t *testing.T) {
	t.Parallel()
	s := fake(t, "sleep")
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := s.Synthesize(ctx, voice.Request{Text: "hello"})
	assert.Less(t, time.Since(start), 10*time.Second, "the program was not stopped")
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.ErrorIs(t, err, errTimedOut)
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err))
}

func TestCancelKillsTheProgram(t *testing.T) {
	t.Parallel()
	s := fake(t, "sleep")
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err := s.Synthesize(ctx, voice.Request{Text: "hello"})
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err))
}

func TestOutputIsBounded(t *testing.T) {
	t.Parallel()
	_, err := fake(t, "huge").Synthesize(t.Context(), voice.Request{Text: "hello"})
	require.ErrorIs(t, err, errTooMuch)
	assert.Equal(t, domain.KindInvalid, domain.KindOf(err))
}

func TestOutputThatIsNotAWAVIsUnusable(t *testing.T) {
	t.Parallel()
	_, err := fake(t, "garbage").Synthesize(t.Context(), voice.Request{Text: "hello"})
	require.ErrorIs(t, err, voice.ErrUnusableAudio)
}

func TestRefusesBlankAndOverlongText(t *testing.T) {
	t.Parallel()
	s := fake(t, "refuse")
	for _, text := range []string{"", " \t\n", "\u00a0", "\x00\x01\x7f", "\u2028"} {
		_, err := s.Synthesize(t.Context(), voice.Request{Text: text})
		require.ErrorIs(t, err, errEmptyText, "text %q", text)
		assert.Equal(t, domain.KindInvalid, domain.KindOf(err))
	}
	_, err := s.Synthesize(t.Context(), voice.Request{Text: string(make([]rune, 10_001))})
	require.ErrorIs(t, err, errTextTooLong)
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	require.NoError(t, DefaultConfig().Validate())
	require.NoError(t, Config{}.Validate(), "zero values are the defaults")
	for _, c := range []Config{{Speed: 79}, {Speed: 451}, {Pitch: -1}, {Pitch: 100}, {Voice: "-w /tmp/x"}} {
		assert.Error(t, c.Validate(), "%+v", c)
	}
}
