// Package espeak is a speech synthesizer that speaks with the espeak-ng program (Debian package
// espeak-ng): offline, with real words in a hundred languages, though in a robotic voice. It
// implements voice.Synthesizer and passes the port's conformance suite (test/contract/speechtest).
//
// Each call runs the program once, without a shell, with an argument list only this package builds:
//
//	espeak-ng --stdin --stdout -v <voice> -s <speed> -p <pitch>
//
// The text goes in on stdin (so nothing in it is ever read as an option) with control characters
// replaced by spaces, and the WAV comes back on stdout. A voice id is accepted only when it is one
// espeak-ng lists (`espeak-ng --voices`, read once when the synthesizer is made), optionally with a
// variant it lists (`en-us+f3`): espeak-ng itself falls back to another voice for an id it does not
// know, and the port forbids a silent fallback. espeak-ng writes a streaming WAV whose header
// sizes are placeholders; they are set to what was written, and Duration comes from them.
//
// The output is deterministic: the same text, voice, speed and pitch give the same bytes.
package espeak

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/usecase/voice"
)

var _ voice.Synthesizer = (*Synthesizer)(nil)

// Program is the name of the espeak-ng executable, looked up in PATH by default.
const Program = "espeak-ng"

// Speed (words per minute) and pitch (0–99) bounds and defaults, espeak-ng's own.
const (
	DefaultSpeed = 175
	MinSpeed     = 80
	MaxSpeed     = 450
	DefaultPitch = 50
	MaxPitch     = 99
	DefaultVoice = "en-us"
)

// maxTextRunes bounds the text, as the tones synthesizer does: the use case bounds it first.
const maxTextRunes = 10_000

// maxStderr bounds what is kept of espeak-ng's error output, for the log.
const maxStderr = 4 << 10

// listTimeout bounds the voice listing New runs.
const listTimeout = 30 * time.Second

var (
	errEmptyText   = domain.E(domain.KindInvalid, "speech_text_empty", "there is no text to speak")
	errTextTooLong = domain.E(domain.KindInvalid, "speech_text_too_long", "the text is too long to speak at once")
	errBadVoice    = domain.E(domain.KindInvalid, "speech_voice_unknown", "the speech backend has no such voice")
	errTooMuch     = domain.E(domain.KindInvalid, "speech_audio_too_large", "the text makes a recording longer than one reply may be")
	errFailed      = domain.E(domain.KindUnavailable, "speech_failed", "the speech program failed")
	errCancelled   = domain.E(domain.KindUnavailable, "speech_cancelled", "the speech was cancelled")
	errTimedOut    = domain.E(domain.KindUnavailable, "speech_timeout", "the speech took too long")
)

// ctxError is the error of a call stopped by its context.
func ctxError(ctx context.Context) error { return domain.ContextError(ctx, errCancelled, errTimedOut) }

// Config is how the synthesizer runs espeak-ng.
type Config struct {
	// Path is the program: a name looked up in PATH, or a path ("": espeak-ng).
	Path string
	// Voice is the voice of requests that name none ("": en-us).
	Voice string
	// Speed is in words per minute, 80–450 (0: 175).
	Speed int
	// Pitch is 1–99 (0: 50, espeak-ng's default).
	Pitch int
}

// DefaultConfig is espeak-ng from PATH, American English, at espeak-ng's own speed and pitch.
func DefaultConfig() Config {
	return Config{Path: Program, Voice: DefaultVoice, Speed: DefaultSpeed, Pitch: DefaultPitch}
}

func (c Config) withDefaults() Config {
	if c.Path == "" {
		c.Path = Program
	}
	if c.Voice == "" {
		c.Voice = DefaultVoice
	}
	if c.Speed == 0 {
		c.Speed = DefaultSpeed
	}
	if c.Pitch == 0 {
		c.Pitch = DefaultPitch
	}
	return c
}

// Validate checks the speed and pitch ranges and that the voice id has the shape of one.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	if c.Speed < MinSpeed || c.Speed > MaxSpeed {
		errs = append(errs, fmt.Errorf("speed must be %d–%d words per minute, got %d", MinSpeed, MaxSpeed, c.Speed))
	}
	if c.Pitch < 1 || c.Pitch > MaxPitch {
		errs = append(errs, fmt.Errorf("pitch must be 1–%d, got %d", MaxPitch, c.Pitch))
	}
	if !voicePattern.MatchString(c.Voice) {
		errs = append(errs, fmt.Errorf("voice %q is not a voice id (such as en-us, or en-us+f3)", c.Voice))
	}
	return errors.Join(errs...)
}

// Synthesizer runs espeak-ng. Its fields do not change after New: it is safe for concurrent use.
type Synthesizer struct {
	path   string // resolved
	cfg    Config
	voices voiceSet
	list   []Voice
}

// New finds the program, reads the voices it has and checks the default voice is one of them.
// Errors are KindInternal (misconfiguration); a missing program says what to install.
func New(c Config) (*Synthesizer, error) {
	c = c.withDefaults()
	if err := c.Validate(); err != nil {
		return nil, domain.Errorf(domain.KindInternal, "espeak: %w", err)
	}
	path, err := exec.LookPath(c.Path)
	if err != nil {
		return nil, domain.Errorf(domain.KindInternal,
			"espeak: the program %q was not found (%w): install espeak-ng (Debian/Ubuntu: apt-get install espeak-ng) "+
				"or set COMPANIONHUB_TTS_ESPEAK_PATH to where it is", c.Path, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), listTimeout)
	defer cancel()
	list, err := ListVoices(ctx, path)
	if err != nil {
		return nil, domain.Errorf(domain.KindInternal, "espeak: %w", err)
	}
	variants, err := listVariants(ctx, path)
	if err != nil {
		return nil, domain.Errorf(domain.KindInternal, "espeak: %w", err)
	}
	s := &Synthesizer{path: path, cfg: c, voices: newVoiceSet(list, variants), list: list}
	if !s.voices.has(c.Voice) {
		return nil, domain.Errorf(domain.KindInternal, "espeak: the voice %q is not one espeak-ng has (espeak-ng --voices lists them)", c.Voice)
	}
	return s, nil
}

// Available are the voices espeak-ng listed when the synthesizer was made (named so that Voices
// stays free for the voice feature's listing port).
func (s *Synthesizer) Available() []Voice { return append([]Voice(nil), s.list...) }

// Synthesize speaks req.Text in req.VoiceID's voice ("": the configured one) and returns a WAV
// file, whatever format was asked for. Blank text, text over 10 000 characters, a voice espeak-ng
// does not have and text whose recording would exceed voice.MaxAudioBytes are KindInvalid; a failed
// run is KindUnavailable (espeak-ng's messages only in the wrapped cause), and so is a call whose
// ctx ended, wrapping ctx.Err().
func (s *Synthesizer) Synthesize(ctx context.Context, req voice.Request) (voice.Audio, error) {
	if utf8.RuneCountInString(req.Text) > maxTextRunes {
		return voice.Audio{}, errTextTooLong
	}
	text := cleanText(req.Text)
	if text == "" {
		return voice.Audio{}, errEmptyText
	}
	id := req.VoiceID
	if id == "" {
		id = s.cfg.Voice
	}
	if !s.voices.has(id) {
		return voice.Audio{}, errBadVoice.Wrap(fmt.Errorf("espeak: voice %q", id))
	}
	if ctx.Err() != nil {
		return voice.Audio{}, ctxError(ctx)
	}

	cmd := exec.CommandContext(ctx, s.path, "--stdin", "--stdout",
		"-v", id, "-s", strconv.Itoa(s.cfg.Speed), "-p", strconv.Itoa(s.cfg.Pitch))
	cmd.Stdin = strings.NewReader(text + "\n")
	stdout := &boundedBuffer{max: voice.MaxAudioBytes}
	stderr := &boundedBuffer{max: maxStderr, truncate: true}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.WaitDelay = 2 * time.Second // pipes a killed program's children might hold open
	err := cmd.Run()
	switch {
	case ctx.Err() != nil:
		return voice.Audio{}, ctxError(ctx)
	case stdout.over:
		return voice.Audio{}, errTooMuch
	case err != nil:
		msg := strings.TrimSpace(stderr.buf.String())
		cause := fmt.Errorf("espeak-ng -v %s: %w: %s", id, err, msg)
		if strings.Contains(msg, "voice does not exist") || strings.Contains(msg, "voice file") {
			return voice.Audio{}, errBadVoice.Wrap(cause)
		}
		return voice.Audio{}, errFailed.Wrap(cause)
	}
	data, d, err := fixWAV(stdout.buf.Bytes())
	if err != nil {
		return voice.Audio{}, voice.ErrUnusableAudio.Wrap(fmt.Errorf("espeak-ng: %w", err))
	}
	return voice.Audio{Data: data, ContentType: media.WAV, Duration: d}, nil
}

// cleanText replaces control characters (other than line breaks and tabs, which are spaces to
// espeak-ng) and invalid UTF-8 with spaces, and trims the result; "" when nothing is left to say.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, " ")
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// boundedBuffer keeps up to max bytes. Past that it fails the write (over), which stops the copy
// from the program's pipe and so the program; with truncate it drops the rest instead.
type boundedBuffer struct {
	buf      bytes.Buffer
	max      int
	over     bool
	truncate bool
}

var errOverflow = errors.New("output over its bound")

func (b *boundedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.buf.Len(); len(p) > room {
		if b.truncate {
			b.buf.Write(p[:max(room, 0)])
			return len(p), nil
		}
		b.over = true
		return 0, errOverflow
	}
	return b.buf.Write(p)
}
