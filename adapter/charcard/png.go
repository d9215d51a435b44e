package charcard

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"io"
)

// pngChunk is one chunk of a PNG. data aliases the input: walking a PNG copies nothing, so a
// large picture costs no memory beyond the file itself.
type pngChunk struct {
	typ    string // four ASCII letters, case-significant (tEXt ≠ TEXT)
	data   []byte
	offset int  // of the chunk's length field in the file, for messages
	crcOK  bool // the stored CRC matches type+data
}

// chunkReader walks the chunks of a PNG held in memory. Every length is checked against what is
// left of the input before it is used, the number of chunks is capped, and the walk ends at IEND:
// bytes after it are not part of the picture.
type chunkReader struct {
	data  []byte // the whole file
	off   int    // offset of the next chunk
	count int
	done  bool  // IEND was read
	err   error // the first error, returned again by every later call
}

// newChunkReader checks the signature and returns a reader positioned at the first chunk.
func newChunkReader(data []byte) (*chunkReader, error) {
	if !bytes.HasPrefix(data, pngSignature) {
		return nil, invalidCard("this is not a PNG file")
	}
	return &chunkReader{data: data, off: len(pngSignature)}, nil
}

// next returns the next chunk, io.EOF after IEND, or a KindInvalid error for a malformed or
// truncated file. After an error the reader stays failed.
func (r *chunkReader) next() (pngChunk, error) {
	if r.err != nil {
		return pngChunk{}, r.err
	}
	if r.done {
		return pngChunk{}, io.EOF
	}
	c, err := r.read()
	if err != nil {
		r.err = err
	}
	return c, err
}

func (r *chunkReader) read() (pngChunk, error) {
	rest := len(r.data) - r.off
	if rest == 0 {
		return pngChunk{}, invalidCard("the PNG file is cut short: it ends before its final IEND chunk")
	}
	if rest < 12 {
		return pngChunk{}, invalidCard("the PNG file is cut short: it ends in the middle of a chunk (offset %d)", r.off)
	}
	if r.count == maxChunks {
		return pngChunk{}, invalidCard("the PNG file has more than %d chunks, which no picture needs", maxChunks)
	}
	r.count++
	n := binary.BigEndian.Uint32(r.data[r.off:])
	// The PNG spec limits a chunk to 2³¹−1 bytes; comparing as uint64 keeps the check itself
	// from overflowing on 32-bit platforms.
	if n > 1<<31-1 || uint64(n)+12 > uint64(rest) {
		return pngChunk{}, invalidCard("the PNG file is cut short or damaged: a chunk at offset %d claims %d bytes, but only %d remain", r.off, n, rest-12)
	}
	typ := r.data[r.off+4 : r.off+8]
	if !isChunkType(typ) {
		return pngChunk{}, invalidCard("the PNG file is damaged: the chunk at offset %d has no valid type", r.off)
	}
	end := r.off + 8 + int(n)
	want := binary.BigEndian.Uint32(r.data[end:])
	c := pngChunk{
		typ:    string(typ),
		data:   r.data[r.off+8 : end : end], // capped, so an append by a caller cannot touch the CRC
		offset: r.off,
		crcOK:  crc32.ChecksumIEEE(r.data[r.off+4:end]) == want,
	}
	r.off = end + 4
	if c.typ == "IEND" {
		r.done = true
	}
	return c, nil
}

// isChunkType reports whether b is a chunk type: four ASCII letters.
func isChunkType(b []byte) bool {
	for _, c := range b {
		if (c < 'A' || c > 'Z') && (c < 'a' || c > 'z') {
			return false
		}
	}
	return len(b) == 4
}

// appendChunk appends a chunk with its length and CRC to dst.
func appendChunk(dst []byte, typ string, data []byte) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(data)))
	start := len(dst)
	dst = append(dst, typ...)
	dst = append(dst, data...)
	return binary.BigEndian.AppendUint32(dst, crc32.ChecksumIEEE(dst[start:]))
}

// textChunk is a tEXt chunk to write.
type textChunk struct {
	keyword string
	text    []byte
}

// withTextChunks returns the PNG in file with every card chunk (tEXt, iTXt or zTXt keyed chara or
// ccv3, in any case) removed and chunks inserted, in order, just before IEND — where SillyTavern
// writes them, and where a reader that stops at the image data still finds them in a full scan.
func withTextChunks(file []byte, chunks ...textChunk) ([]byte, error) {
	r, err := newChunkReader(file)
	if err != nil {
		return nil, err
	}
	size := len(file)
	for _, c := range chunks {
		size += 12 + len(c.keyword) + 1 + len(c.text)
	}
	out := make([]byte, 0, size)
	out = append(out, pngSignature...)
	for {
		c, err := r.next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if _, ok := cardKeyword(c); ok {
			continue
		}
		if c.typ == "IEND" {
			for _, t := range chunks {
				body := make([]byte, 0, len(t.keyword)+1+len(t.text))
				body = append(append(append(body, t.keyword...), 0), t.text...)
				out = appendChunk(out, "tEXt", body)
			}
		}
		out = appendChunk(out, c.typ, c.data)
	}
}
