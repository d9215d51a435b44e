package espeak

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path"
	"regexp"
	"strings"

	"github.com/companionhub/companionhub/usecase/voice"
)

// Voice is one voice espeak-ng lists, for a hub's voice picker.
type Voice struct {
	// ID is what a request's VoiceID says to choose it: the language code, as espeak-ng selects
	// voices by ("en-us", "fr", "cmn-latn-pinyin").
	ID string
	// Name is espeak-ng's name for it, with spaces ("English (America)").
	Name string
	// Gender is "male", "female" or "" (espeak-ng does not say).
	Gender string
	// File is espeak-ng's voice file ("gmw/en-US"), which selects it too.
	File string
}

// voicePattern is the shape of a voice id: a language code or voice file (letters, digits, '_',
// '-', '/'), optionally "+" a variant. It starts with a letter or digit, so it can never be read as
// an option, and has no dots, so a file path cannot climb out of espeak-ng's voice directory.
var voicePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_/-]{0,63}(\+[A-Za-z0-9][A-Za-z0-9_-]{0,63})?$`)

// ListVoices runs `program --voices` and returns the voices it lists, in its order.
func ListVoices(ctx context.Context, program string) ([]Voice, error) {
	out, err := run(ctx, program, "--voices")
	if err != nil {
		return nil, err
	}
	return parseVoices(out), nil
}

// listVariants returns the names of the variants `program --voices=variant` lists, as a voice id
// says them after "+" (the file's base name, which espeak-ng matches case-sensitively).
func listVariants(ctx context.Context, program string) ([]string, error) {
	out, err := run(ctx, program, "--voices=variant")
	if err != nil {
		return nil, err
	}
	var names []string
	for _, v := range parseVoices(out) {
		names = append(names, path.Base(v.File))
	}
	return names, nil
}

func run(ctx context.Context, program string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, program, args...)
	var stderr boundedBuffer
	stderr.max, stderr.truncate = maxStderr, true
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w: %s", program, strings.Join(args, " "), err, strings.TrimSpace(stderr.buf.String()))
	}
	return out, nil
}

// parseVoices reads espeak-ng's voice table:
//
//	Pty Language       Age/Gender VoiceName          File                 Other Languages
//	 2  en-us           --/M      English_(America)  gmw/en-US            (en 3)
//
// Columns are split on spaces (a long language code pushes the others right); names have
// underscores for spaces. Lines that are not voices are skipped.
func parseVoices(out []byte) []Voice {
	var voices []Voice
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 5 || f[0] == "Pty" {
			continue
		}
		gender := ""
		if _, g, ok := strings.Cut(f[2], "/"); ok {
			switch g {
			case "M":
				gender = "male"
			case "F":
				gender = "female"
			}
		}
		voices = append(voices, Voice{ID: f[1], Name: strings.ReplaceAll(f[3], "_", " "), Gender: gender, File: f[4]})
	}
	return voices
}

// voiceSet answers whether a voice id names a voice espeak-ng has, so that it never falls back
// silently to another: languages and voice files match whatever their case (as espeak-ng matches
// them), variants exactly.
type voiceSet struct {
	voices   map[string]bool // lower-cased IDs and files
	variants map[string]bool
}

func newVoiceSet(voices []Voice, variants []string) voiceSet {
	s := voiceSet{voices: map[string]bool{}, variants: map[string]bool{}}
	for _, v := range voices {
		s.voices[strings.ToLower(v.ID)] = true
		s.voices[strings.ToLower(v.File)] = true
	}
	for _, v := range variants {
		s.variants[v] = true
	}
	return s
}

func (s voiceSet) has(id string) bool {
	if !voicePattern.MatchString(id) {
		return false
	}
	lang, variant, hasVariant := strings.Cut(id, "+")
	return s.voices[strings.ToLower(lang)] && (!hasVariant || s.variants[variant])
}

// Voices lists espeak-ng's voices for a person choosing one (voice.Voices): each language's voice,
// as espeak-ng listed it at the start. A variant ("en-us+f3") is spoken but not listed.
func (s *Synthesizer) Voices(context.Context) ([]voice.Voice, error) {
	out := make([]voice.Voice, 0, len(s.list))
	for _, v := range s.list {
		out = append(out, voice.Voice{ID: v.ID, Name: v.Name, Gender: v.Gender, Language: v.ID})
	}
	return out, nil
}

var _ voice.Voices = (*Synthesizer)(nil)
