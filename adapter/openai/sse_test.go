package openai

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readEvents returns every event's data and the error the stream ended with.
func readEvents(r io.Reader) ([]string, error) {
	e := newEvents(r)
	var out []string
	for {
		data, err := e.next()
		if err != nil {
			return out, err
		}
		out = append(out, string(data))
	}
}

func TestEventsFollowTheEventStreamFormat(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, stream string
		want         []string
	}{
		{"one data line each", "data: {\"a\":1}\n\ndata: [DONE]\n\n", []string{`{"a":1}`, "[DONE]"}},
		{"CRLF", "data: a\r\n\r\ndata: b\r\n\r\n", []string{"a", "b"}},
		{"CR", "data: a\r\rdata: b\r\r", []string{"a", "b"}},
		{"mixed line ends", "data: a\r\n\ndata: b\r\rdata: c\n\r\n", []string{"a", "b", "c"}},
		{"data lines are joined with LF", "data: {\"a\":\ndata:  1}\n\n", []string{"{\"a\":\n 1}"}},
		{"no space after the colon", "data:x\n\n", []string{"x"}},
		{"only one space is removed", "data:  x \n\n", []string{" x "}},
		{"comments are keep-alives", ": ping\n\n:\n: OPENROUTER PROCESSING\n\ndata: a\n: in between\n\n", []string{"a"}},
		{"other fields are ignored", "event: message\nid: 7\nretry: 100\nfoo: bar\ndata: a\n\n", []string{"a"}},
		{"a field name without a colon", "data\ndata\n\n", []string{"\n"}},
		{"an empty data field dispatches an empty event", "data:\n\n", []string{""}},
		{"blank lines without data dispatch nothing", "\n\n\r\n\rdata: a\n\n\n\n", []string{"a"}},
		{"a field name must match exactly", "Data: x\ndata : y\ndatas: z\n\n", nil},
		{"a byte order mark at the start is skipped", "\uFEFFdata: a\n\n", []string{"a"}},
		{"an event the stream ends inside is dropped", "data: a\n\ndata: b\n", []string{"a"}},
		{"an unfinished line is dropped", "data: a\n\ndata: b", []string{"a"}},
		{"no events", "", nil},
	}
	for _, tc := range cases {
		for name, r := range map[string]io.Reader{
			"whole":     strings.NewReader(tc.stream),
			"bytewise":  iotest.OneByteReader(strings.NewReader(tc.stream)),
			"halves":    iotest.HalfReader(strings.NewReader(tc.stream)),
			"with data": iotest.DataErrReader(strings.NewReader(tc.stream)),
		} {
			got, err := readEvents(r)
			require.ErrorIs(t, err, io.EOF, "%s, %s", tc.name, name)
			assert.Equal(t, tc.want, got, "%s, %s", tc.name, name)
		}
	}
}

func TestEventsLongLines(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 100<<10) // many times the initial buffer
	got, err := readEvents(strings.NewReader("data: " + long + "\n\ndata: a\n\n"))
	require.ErrorIs(t, err, io.EOF)
	assert.Equal(t, []string{long, "a"}, got)

	_, err = readEvents(io.MultiReader(strings.NewReader("data: "), infinite('x')))
	require.ErrorIs(t, err, errLineTooLong)
}

func TestEventsReturnTheReadersError(t *testing.T) {
	t.Parallel()
	broken := errors.New("connection reset")
	got, err := readEvents(io.MultiReader(strings.NewReader("data: a\n\ndata: b\n"), iotest.ErrReader(broken)))
	require.ErrorIs(t, err, broken)
	assert.Equal(t, []string{"a"}, got)
}

// infinite reads c forever.
type infinite byte

func (c infinite) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(c)
	}
	return len(p), nil
}
