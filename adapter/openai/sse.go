package openai

import (
	"bytes"
	"errors"
	"io"
)

// maxEventLine bounds one line of a stream. A chunk is a few hundred bytes; the limit only stops
// a server that never ends a line from growing the buffer without end.
const maxEventLine = 8 << 20

var errLineTooLong = errors.New("openai: a stream line is longer than 8 MiB")

// events reads the data of server-sent events, as the HTML standard's event-stream
// interpretation defines it: lines end in CRLF, LF or CR; a blank line dispatches the event;
// "data" lines are joined with LF; lines starting with a colon are comments (keep-alives);
// "event", "id", "retry" and unknown fields are ignored (the chat-completions API puts everything
// in data); a leading byte order mark is skipped; an event the stream ends in the middle of is
// dropped.
//
// It replaces the SDK's decoder so that a chunk costs one pass over its bytes and no allocation:
// at a thousand concurrent streams, decoding is most of what the adapter does.
type events struct {
	r          io.Reader
	buf        []byte
	start, end int   // buf[start:end] is read but not yet consumed
	begun      bool  // the stream's first bytes were checked for a byte order mark
	skipLF     bool  // the last line ended in CR, so an LF right after it belongs to it
	err        error // the reader's error, returned once the buffer is consumed
	data       []byte
	hasData    bool
}

var byteOrderMark = []byte("\uFEFF")

func newEvents(r io.Reader) *events {
	return &events{r: r, buf: make([]byte, 4<<10)}
}

// next returns the data of the next event, valid until the following call. At the end of the
// stream it returns the reader's error: io.EOF for a clean end.
func (e *events) next() ([]byte, error) {
	for {
		line, err := e.line()
		if err != nil {
			return nil, err
		}
		if len(line) == 0 {
			if !e.hasData {
				continue
			}
			e.hasData = false
			return e.data, nil
		}
		// A line without a colon is a field name with an empty value.
		name, value, _ := bytes.Cut(line, []byte{':'})
		if string(name) != "data" {
			continue // a comment (empty name) or another field
		}
		if len(value) > 0 && value[0] == ' ' {
			value = value[1:]
		}
		if e.hasData {
			e.data = append(e.data, '\n')
		} else {
			e.data = e.data[:0]
		}
		e.data = append(e.data, value...)
		e.hasData = true
	}
}

// line returns the next line without its end, valid until the following call.
func (e *events) line() ([]byte, error) {
	for {
		switch {
		case e.begun:
			if e.skipLF && e.start < e.end {
				if e.buf[e.start] == '\n' {
					e.start++
				}
				e.skipLF = false
			}
			if i := lineEnd(e.buf[e.start:e.end]); i >= 0 {
				line := e.buf[e.start : e.start+i]
				e.skipLF = e.buf[e.start+i] == '\r'
				e.start += i + 1
				return line, nil
			}
		case e.end >= len(byteOrderMark) || e.err != nil:
			e.begun = true
			if bytes.HasPrefix(e.buf[:e.end], byteOrderMark) {
				e.start = len(byteOrderMark)
			}
			continue
		}
		if e.err != nil {
			return nil, e.err // an unfinished last line is dropped with its event
		}
		if e.start > 0 {
			e.end = copy(e.buf, e.buf[e.start:e.end])
			e.start = 0
		}
		if e.end == len(e.buf) {
			if len(e.buf) >= maxEventLine {
				return nil, errLineTooLong
			}
			grown := make([]byte, 2*len(e.buf))
			copy(grown, e.buf[:e.end])
			e.buf = grown
		}
		n, err := e.r.Read(e.buf[e.end:])
		e.end += n
		e.err = err
	}
}

// lineEnd returns the index of the first CR or LF in b, or -1.
func lineEnd(b []byte) int {
	lf := bytes.IndexByte(b, '\n')
	upTo := b
	if lf >= 0 {
		upTo = b[:lf]
	}
	if cr := bytes.IndexByte(upTo, '\r'); cr >= 0 {
		return cr
	}
	return lf
}
