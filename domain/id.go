package domain

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"time"
)

// ID identifies every entity. It is a UUID version 7: random, yet ordered by creation time, which keeps
// primary-key indexes compact and makes ids usable as keyset cursor tie-breakers. The zero ID is invalid.
type ID struct{ b [16]byte }

// NewID returns a fresh version 7 UUID for the given time.
func NewID(now time.Time) ID {
	var id ID
	if _, err := rand.Read(id.b[6:]); err != nil {
		panic("domain: crypto/rand failed: " + err.Error())
	}
	ms := uint64(now.UnixMilli())
	var ts [8]byte
	binary.BigEndian.PutUint64(ts[:], ms<<16)
	copy(id.b[:6], ts[:6])
	id.b[6] = 0x70 | id.b[6]&0x0f // version 7
	id.b[8] = 0x80 | id.b[8]&0x3f // RFC 9562 variant
	return id
}

// ErrInvalidID is returned for text that is not a UUID.
var ErrInvalidID = E(KindInvalid, "invalid_id", "not a valid id")

// ParseID parses the canonical 36-character UUID form (any version, case-insensitive).
func ParseID(s string) (ID, error) {
	var id ID
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return ID{}, ErrInvalidID
	}
	j := 0
	for _, group := range [...][2]int{{0, 8}, {9, 13}, {14, 18}, {19, 23}, {24, 36}} {
		n, err := hex.Decode(id.b[j:], []byte(s[group[0]:group[1]]))
		if err != nil {
			return ID{}, ErrInvalidID
		}
		j += n
	}
	if id.IsZero() {
		return ID{}, ErrInvalidID
	}
	return id, nil
}

// MustParseID is ParseID for constants in tests and fixtures; it panics on bad input.
func MustParseID(s string) ID {
	id, err := ParseID(s)
	if err != nil {
		panic(err)
	}
	return id
}

// IsZero reports whether the id is unset.
func (id ID) IsZero() bool { return id == ID{} }

// String returns the canonical lower-case form, or "" for the zero ID.
func (id ID) String() string {
	if id.IsZero() {
		return ""
	}
	var buf [36]byte
	hex.Encode(buf[0:8], id.b[0:4])
	buf[8] = '-'
	hex.Encode(buf[9:13], id.b[4:6])
	buf[13] = '-'
	hex.Encode(buf[14:18], id.b[6:8])
	buf[18] = '-'
	hex.Encode(buf[19:23], id.b[8:10])
	buf[23] = '-'
	hex.Encode(buf[24:], id.b[10:])
	return string(buf[:])
}
