package espeak

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// fixWAV checks the RIFF WAVE file espeak-ng wrote to a pipe, sets the sizes its header left as
// placeholders (it cannot seek back) to what was written, and returns it with its duration: the
// data's size over the byte rate of its "fmt " chunk.
func fixWAV(b []byte) ([]byte, time.Duration, error) {
	le := binary.LittleEndian
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, 0, errors.New("not a WAV file")
	}
	byteRate, blockAlign := uint32(0), uint32(1)
	for pos := 12; pos+8 <= len(b); {
		id, size := string(b[pos:pos+4]), le.Uint32(b[pos+4:])
		body := pos + 8
		switch id {
		case "fmt ":
			if size < 16 || body+16 > len(b) {
				return nil, 0, errors.New("WAV: short fmt chunk")
			}
			byteRate, blockAlign = le.Uint32(b[body+8:]), uint32(max(le.Uint16(b[body+12:]), 1))
		case "data":
			if byteRate == 0 {
				return nil, 0, errors.New("WAV: no byte rate before the data")
			}
			n := uint32(min(uint64(size), uint64(len(b)-body))) // the placeholder is larger than the data
			n -= n % blockAlign
			b = b[:body+int(n)]
			le.PutUint32(b[pos+4:], n)
			le.PutUint32(b[4:], uint32(len(b)-8))
			return b, time.Duration(uint64(n) * uint64(time.Second) / uint64(byteRate)), nil
		}
		next := uint64(body) + uint64(size) + uint64(size&1) // chunks are padded to even sizes
		if next > uint64(len(b)) {
			break
		}
		pos = int(next)
	}
	return nil, 0, fmt.Errorf("WAV: no data chunk in %d bytes", len(b))
}
