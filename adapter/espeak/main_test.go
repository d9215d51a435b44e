package espeak

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/companionhub/companionhub/test/containers"
)

// TestMain writes the fake programs before any test runs: a script written while another test
// forks can fail to start ("text file busy").
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "espeak-fakes-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fakes = dir
	if err := writeFakes(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// requireProgram skips t when espeak-ng is not installed, saying how to install it, except on CI
// (CI=true), where it fails (containers.Unavailable).
func requireProgram(t *testing.T) {
	t.Helper()
	_, err := exec.LookPath(Program)
	if err == nil {
		return
	}
	containers.Unavailable(t, "runs the espeak-ng program, which is not installed:\n    "+err.Error(),
		"`make speech-tools` (scripts/speech-tools.sh), or apt-get install espeak-ng.")
}

// fakes is the directory of the fake espeak-ng programs: shell scripts that list two voices and a
// variant like espeak-ng, log their arguments to <name>.log and their stdin to <name>.stdin, and
// then do what their name says.
var fakes string

const fakeVoices = `Pty Language       Age/Gender VoiceName          File                 Other Languages
 2  en-us           --/M      English_(America)  gmw/en-US            (en 3)
 5  fr-fr           --/M      French_(France)    roa/fr               (fr 5)
`

const fakeVariants = `Pty Language       Age/Gender VoiceName          File                 Other Languages
 5  variant         --/F      female3            !v/f3                
`

var fakeBodies = map[string]string{
	// ok writes a WAV with a placeholder size, as espeak-ng does: 0.5 s of silence at 22 050 Hz.
	"ok": `printf 'RIFF\044\360\377\177WAVEfmt \020\000\000\000\001\000\001\000\042\126\000\000\104\254\000\000\002\000\020\000data\000\360\377\177'
head -c 22050 /dev/zero`,
	"refuse":  `exit 3`, // never reached: its requests are refused before a run
	"fail":    `echo "internal detail /secret/path" >&2; exit 2`,
	"novoice": `echo "Error: The specified espeak-ng voice does not exist." >&2; exit 1`,
	"sleep":   `exec sleep 30`,
	"huge": `printf 'RIFF\044\360\377\177WAVEfmt \020\000\000\000\001\000\001\000\042\126\000\000\104\254\000\000\002\000\020\000data\000\360\377\177'
exec head -c 25000000 /dev/zero`,
	"garbage": `echo "not audio"`,
}

func init() { fakeBodies["args"] = fakeBodies["ok"] }

func writeFakes(dir string) error {
	for name, body := range fakeBodies {
		p := filepath.Join(dir, name)
		script := "#!/bin/sh\n" +
			`echo "$*" >> "` + p + `.log"` + "\n" +
			`case "$1" in` + "\n" +
			"--voices) cat <<'EOF'\n" + fakeVoices + "EOF\nexit 0;;\n" +
			"--voices=variant) cat <<'EOF'\n" + fakeVariants + "EOF\nexit 0;;\n" +
			"esac\n" +
			`cat > "` + p + `.stdin"` + "\n" +
			body + "\n"
		if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
			return err
		}
	}
	return nil
}

// fake opens a synthesizer on the fake program name.
func fake(t *testing.T, name string) *Synthesizer {
	t.Helper()
	c := DefaultConfig()
	c.Path = filepath.Join(fakes, name)
	s, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// fakeLog is what the fake program name was run with, one line per run.
func fakeLog(t *testing.T, name string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fakes, name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}
