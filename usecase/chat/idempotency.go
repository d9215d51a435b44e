package chat

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
)

// An Idempotency-Key makes retrying a send or a regeneration safe: the same key with the same
// request is answered with the turn the first one made. The key is bound to that request by a
// fingerprint, so the same key with another request (other text, options, companion or message)
// is refused rather than answered with a turn the client did not ask for. A key is the owner's,
// across sends and regenerations.

// IdempotencyKeyTTL is how long a key answers for its request. After it, the same key makes a
// new turn.
const IdempotencyKeyTTL = 24 * time.Hour

// MaxIdempotencyKey bounds an Idempotency-Key.
const MaxIdempotencyKey = 200

// ErrIdempotencyKeyReused refuses a request whose Idempotency-Key an earlier, different request
// used within IdempotencyKeyTTL.
var ErrIdempotencyKeyReused = &domain.Error{Kind: domain.KindInvalid, Reason: "idempotency_key_reused",
	Message: "this Idempotency-Key was used for another request; use a new key for a new request",
	Fields: []domain.FieldViolation{domain.Violation("idempotency_key", "reused",
		"this Idempotency-Key was used for another request")}}

func CheckIdempotencyKey(key string) error {
	if len(key) > MaxIdempotencyKey {
		return domain.Invalid(domain.Violation("idempotency_key", "too_long", "the Idempotency-Key must be at most 200 characters"))
	}
	for _, r := range key {
		if r < 0x21 || r > 0x7e {
			return domain.Invalid(domain.Violation("idempotency_key", "format", "the Idempotency-Key must be printable ASCII without spaces"))
		}
	}
	return nil
}

// holdKey refuses a malformed key and holds a given one, the owner's, in this process until
// release: retries of one request wait for the first, then find its turn — they are answered with
// it and never counted against the rate limit.
func holdKey(keys *keyedLocks, owner domain.ID, key string) (release func(), err error) {
	if err := CheckIdempotencyKey(key); err != nil {
		return nil, err
	}
	if key == "" {
		return func() {}, nil
	}
	return keys.lock(owner.String() + "\x00" + key), nil
}

// sendFingerprint and regenerateFingerprint are what a key is bound to: everything the request
// asks for, the operation included (a key used to send cannot regenerate).
func sendFingerprint(companionID domain.ID, text string, o chat.Options, u Unset) string {
	return Fingerprint("send", companionID.String(), text, sendRequestKey(o, u))
}

func regenerateFingerprint(messageID domain.ID, o chat.Options, u Unset) string {
	return Fingerprint("regenerate", messageID.String(), sendRequestKey(o, u))
}

// Fingerprint is SHA-256 over the parts, each prefixed with its length (so no two lists of parts
// encode alike), in hex.
func Fingerprint(parts ...string) string {
	h := sha256.New()
	var n [8]byte
	for _, p := range parts {
		binary.BigEndian.PutUint64(n[:], uint64(len(p)))
		h.Write(n[:])
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// keyed is the owner's turn an earlier request made under key within IdempotencyKeyTTL, if that
// request was this one (found); ErrIdempotencyKeyReused if it was another. companionID is the
// request's companion: turns keyed before fingerprints were kept answer for their companion.
func keyed(ctx context.Context, r Repos, owner domain.ID, key string, fp string, companionID domain.ID,
	now time.Time) (turn chat.Turn, found bool, err error) {
	if key == "" {
		return chat.Turn{}, false, nil
	}
	t, k, err := r.Turns().ByIdempotencyKey(ctx, owner, key)
	switch {
	case domain.IsKind(err, domain.KindNotFound):
		return chat.Turn{}, false, nil
	case err != nil:
		return chat.Turn{}, false, err
	case expired(t, now):
		return chat.Turn{}, false, nil // released when the new turn is made
	case k.Fingerprint != fp && (k.Fingerprint != "" || t.CompanionID() != companionID):
		return chat.Turn{}, false, ErrIdempotencyKeyReused
	}
	return t, true, nil
}

// expired says a turn's key no longer answers for it.
func expired(t chat.Turn, now time.Time) bool {
	return !t.CreatedAt().After(now.Add(-IdempotencyKeyTTL))
}

// createKeyed stores a new turn under key, releasing the key from a turn it expired on.
func createKeyed(ctx context.Context, r Repos, t chat.Turn, key Idempotency, now time.Time) error {
	if key.Key != "" {
		if err := r.Turns().ReleaseIdempotencyKey(ctx, t.OwnerID(), key.Key, now.Add(-IdempotencyKeyTTL).Add(time.Microsecond)); err != nil {
			return err
		}
	}
	return r.Turns().Create(ctx, t, key)
}
