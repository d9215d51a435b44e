package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// SignatureHeader carries the signature of a delivery: "t=<unix seconds>,v1=<hex HMAC-SHA256>".
const SignatureHeader = "X-CompanionHub-Signature"

// DefaultTolerance is how old (or how far ahead of the receiver's clock) a signature may be when
// Verify is given no tolerance: long enough for clocks that differ a little, short enough that a
// recorded delivery cannot be replayed for long.
const DefaultTolerance = 5 * time.Minute

// The errors of Verify. They never quote the secret, the signature or the body.
var (
	// ErrNoSignature: the header is empty, or has no timestamp or no v1 signature.
	ErrNoSignature = errors.New("webhook: no signature")
	// ErrBadSignature: no v1 signature matches the body and timestamp under the secret.
	ErrBadSignature = errors.New("webhook: the signature does not match")
	// ErrStaleSignature: the timestamp is further from now than the tolerance (a replay, or a
	// clock far off).
	ErrStaleSignature = errors.New("webhook: the signature's timestamp is outside the tolerance")
)

// Sign returns the value of SignatureHeader for body sent at t: the HMAC-SHA256, under secret, of
// the timestamp in Unix seconds, a dot, and the body as it is sent.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Verify checks a delivery as a receiver should: header is the value of SignatureHeader, body the
// request body exactly as received (before any JSON decoding), now the receiver's clock. It
// accepts the delivery when one v1 signature matches (several may be sent while a secret is
// rotated) and the timestamp is within tolerance of now (tolerance ≤ 0: DefaultTolerance).
// Comparisons take constant time. Its errors are ErrNoSignature, ErrBadSignature and
// ErrStaleSignature.
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	var (
		ts     string
		hasTS  bool
		hashes [][]byte
	)
	for part := range strings.SplitSeq(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts, hasTS = v, true
		case "v1":
			if h, err := hex.DecodeString(v); err == nil {
				hashes = append(hashes, h)
			}
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if !hasTS || err != nil || len(hashes) == 0 {
		return ErrNoSignature
	}
	want := mac(secret, ts, body)
	matched := false
	for _, h := range hashes {
		matched = hmac.Equal(h, want) || matched
	}
	if !matched {
		return ErrBadSignature
	}
	if age := now.Sub(time.Unix(sec, 0)); age > tolerance || age < -tolerance {
		return ErrStaleSignature
	}
	return nil
}
