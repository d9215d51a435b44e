package espeak

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseVoices(t *testing.T) {
	t.Parallel()
	out := `Pty Language       Age/Gender VoiceName          File                 Other Languages
 5  af              --/M      Afrikaans          gmw/af               
 5  chr-US-Qaaa-x-west --/M      Cherokee_          iro/chr              
 2  en-us           --/M      English_(America)  gmw/en-US            (en 3)
 5  en-us           --/F      us-mbrola-1        mb/mb-us1            (en 8)
 5  variant         70/M      male1              !v/m1                
 5  xx              --/-      Unsure             x/xx
garbage line
`
	assert.Equal(t, []Voice{
		{ID: "af", Name: "Afrikaans", Gender: "male", File: "gmw/af"},
		{ID: "chr-US-Qaaa-x-west", Name: "Cherokee ", Gender: "male", File: "iro/chr"},
		{ID: "en-us", Name: "English (America)", Gender: "male", File: "gmw/en-US"},
		{ID: "en-us", Name: "us-mbrola-1", Gender: "female", File: "mb/mb-us1"},
		{ID: "variant", Name: "male1", Gender: "male", File: "!v/m1"},
		{ID: "xx", Name: "Unsure", Gender: "", File: "x/xx"},
	}, parseVoices([]byte(out)))
	assert.Empty(t, parseVoices(nil))
}

// streamedWAV is a WAV as espeak-ng writes it to a pipe: sizes that are placeholders.
func streamedWAV(data int) []byte {
	b := make([]byte, 44+data)
	le := binary.LittleEndian
	copy(b, "RIFF")
	le.PutUint32(b[4:], 0x7ffff024)
	copy(b[8:], "WAVEfmt ")
	le.PutUint32(b[16:], 16)
	le.PutUint16(b[20:], 1)
	le.PutUint16(b[22:], 1)
	le.PutUint32(b[24:], 22050)
	le.PutUint32(b[28:], 44100)
	le.PutUint16(b[32:], 2)
	le.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	le.PutUint32(b[40:], 0x7ffff000)
	return b
}

func TestFixWAVSetsTheSizes(t *testing.T) {
	t.Parallel()
	le := binary.LittleEndian
	b, d, err := fixWAV(streamedWAV(44101)) // an odd byte: half a sample, dropped
	require.NoError(t, err)
	assert.Len(t, b, 44+44100)
	assert.Equal(t, uint32(44+44100-8), le.Uint32(b[4:]))
	assert.Equal(t, uint32(44100), le.Uint32(b[40:]))
	assert.Equal(t, time.Second, d)

	b, d, err = fixWAV(streamedWAV(0))
	require.NoError(t, err, "silence is a WAV")
	assert.Len(t, b, 44)
	assert.Zero(t, d)
}

func TestFixWAVRefusesWhatIsNotOne(t *testing.T) {
	t.Parallel()
	noFmt := streamedWAV(10)
	copy(noFmt[12:], "junk")
	for name, b := range map[string][]byte{
		"empty":     nil,
		"text":      []byte("Error: something"),
		"no data":   streamedWAV(0)[:36],
		"no fmt":    noFmt,
		"truncated": streamedWAV(0)[:20],
	} {
		_, _, err := fixWAV(b)
		assert.Error(t, err, name)
	}
}
