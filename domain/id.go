package domain

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"sync"
	"time"
)

// ID identifies every entity. It is a UUID version 7: random, yet ordered by creation time, which keeps
// primary-key indexes compact and makes ids usable as keyset cursor tie-breakers. The zero ID is invalid.
type ID struct{ b [16]byte }

// NewID returns a fresh version 7 UUID for the given time. Within one process ids are strictly
// increasing: in the same millisecond (or if the clock steps back) the previous id's 74 random bits
// are incremented instead of drawn anew (RFC 9562 §6.2, method 2), so ids made one after another
// sort in the order they were made — keyset pagination relies on that to break timestamp ties. A
// clock that steps back by more than a second is believed rather than papered over, so one wrong
// time (a test's fixed clock, a bad NTP step) cannot stamp every later id.
func NewID(now time.Time) ID { return ids.next(uint64(max(now.UnixMilli(), 0))) }

type idGenerator struct {
	mu   sync.Mutex
	ms   uint64 // the millisecond in the last id
	tail uint128
}

// uint128 holds the 74 bits after the timestamp (12 of rand_a, 62 of rand_b).
type uint128 struct{ hi, lo uint64 }

const (
	tailBits      = 74
	maxRollbackMS = 1000
)

var ids idGenerator

func (g *idGenerator) next(ms uint64) ID {
	g.mu.Lock()
	defer g.mu.Unlock()
	if ms > g.ms || ms+maxRollbackMS < g.ms || (g.ms == 0 && g.tail == uint128{}) {
		g.ms = ms
		var b [10]byte
		if _, err := rand.Read(b[:]); err != nil {
			panic("domain: crypto/rand failed: " + err.Error())
		}
		// Leave headroom (the top bit clear) so a burst in one millisecond rarely overflows.
		g.tail = uint128{hi: uint64(binary.BigEndian.Uint16(b[:2])) & 0x1ff, lo: binary.BigEndian.Uint64(b[2:])}
	} else {
		g.tail.lo++
		if g.tail.lo == 0 {
			g.tail.hi++
		}
		if g.tail.hi >= 1<<(tailBits-64) { // 2^74 ids in one millisecond: borrow the next one
			g.ms++
			g.tail = uint128{}
		}
	}
	return g.encode()
}

func (g *idGenerator) encode() ID {
	var id ID
	var ts [8]byte
	binary.BigEndian.PutUint64(ts[:], g.ms<<16)
	copy(id.b[:6], ts[:6])
	// 74 tail bits: 12 go in bytes 6–7 after the version nibble, 62 in bytes 8–15 after the variant.
	randA := uint16(g.tail.hi<<2 | g.tail.lo>>62)
	id.b[6] = 0x70 | byte(randA>>8)&0x0f
	id.b[7] = byte(randA)
	binary.BigEndian.PutUint64(id.b[8:], g.tail.lo&(1<<62-1)|0x8000000000000000) // variant 10
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

// MarshalText writes the canonical form ("" for the zero ID), so ids survive encoding — in
// workflow payloads and step inputs.
func (id ID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText reads the canonical form; "" is the zero ID.
func (id *ID) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*id = ID{}
		return nil
	}
	v, err := ParseID(string(b))
	if err != nil {
		return err
	}
	*id = v
	return nil
}
