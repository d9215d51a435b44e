package argon2id

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// b64 is the PHC string format's base64: standard alphabet, no padding. Strict rejects non-zero
// trailing bits, so every hash has exactly one spelling.
var b64 = base64.RawStdEncoding.Strict()

// encode renders a PHC string. The parameters appear in the fixed order m, t, p, as every
// implementation writes them.
func encode(p params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.memory, p.iterations, p.parallelism,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// errMalformed explains what is wrong with a stored hash without quoting it: a hash in a log line
// is material for offline cracking.
func errMalformed(what string) error {
	return fmt.Errorf("malformed argon2id PHC string: %s", what)
}

// decode parses a PHC string made by this package or another Argon2id implementation. It accepts
// only version 19 (x/crypto computes no other) and no optional keyid/data parameters, and refuses
// parameters beyond the package's sanity bounds.
func decode(s string) (params, []byte, []byte, error) {
	var p params
	fields := strings.Split(s, "$")
	if len(fields) != 6 || fields[0] != "" {
		return p, nil, nil, errMalformed("want $argon2id$v=19$m=…,t=…,p=…$salt$hash")
	}
	if fields[1] != "argon2id" {
		return p, nil, nil, errMalformed("not an argon2id hash")
	}
	if fields[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, errMalformed("unsupported version (want v=19)")
	}
	if err := parseParams(fields[3], &p); err != nil {
		return p, nil, nil, err
	}
	salt, err := b64.DecodeString(fields[4])
	if err != nil || len(salt) < minSaltLen || len(salt) > maxSaltLen {
		return p, nil, nil, errMalformed(fmt.Sprintf("salt must be %d to %d bytes of unpadded base64", minSaltLen, maxSaltLen))
	}
	key, err := b64.DecodeString(fields[5])
	if err != nil || len(key) < minKeyLen || len(key) > maxKeyLen {
		return p, nil, nil, errMalformed(fmt.Sprintf("hash must be %d to %d bytes of unpadded base64", minKeyLen, maxKeyLen))
	}
	p.saltLen, p.keyLen = uint32(len(salt)), uint32(len(key))
	return p, salt, key, nil
}

// parseParams reads "m=…,t=…,p=…" in that order, as decimal numbers within Argon2id's ranges.
func parseParams(s string, p *params) error {
	kv := strings.Split(s, ",")
	if len(kv) != 3 {
		return errMalformed("want parameters m=…,t=…,p=…")
	}
	var vals [3]uint64
	for i, name := range [3]string{"m", "t", "p"} {
		num, ok := strings.CutPrefix(kv[i], name+"=")
		bits := 32
		if name == "p" {
			bits = 8
		}
		v, err := strconv.ParseUint(num, 10, bits)
		if !ok || err != nil {
			return errMalformed("parameter " + name + " is missing or out of range")
		}
		vals[i] = v
	}
	p.memory, p.iterations, p.parallelism = uint32(vals[0]), uint32(vals[1]), uint8(vals[2])
	switch {
	case p.parallelism < 1 || p.iterations < 1:
		return errMalformed("t and p must be at least 1")
	case p.memory < 8*uint32(p.parallelism):
		return errMalformed("m must be at least 8 × p")
	case p.memory > maxMemoryKiB:
		return errors.New("argon2id hash asks for more than 2 GiB of memory; refusing to verify it")
	}
	return nil
}
