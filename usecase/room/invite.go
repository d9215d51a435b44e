package room

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/room"
)

// Invite makes a single-use, expiring code that lets one person join a room; its owner's only. The
// code is shown once: only its hash is kept.
type Invite struct {
	UserID, RoomID domain.ID
	// TTL is how long the code works (0: DefaultInviteTTL; at most MaxInviteTTL).
	TTL time.Duration
}

// Invitation is a made invitation with its code.
type Invitation struct {
	room.Invite
	Code string
}

// Invitations' lifetimes.
const (
	DefaultInviteTTL = 7 * 24 * time.Hour
	MaxInviteTTL     = 30 * 24 * time.Hour
)

// InviteCodePrefix starts every invitation code.
const InviteCodePrefix = "chi_"

// hashCode is what is kept of a code.
func hashCode(code string) string {
	sum := sha256.Sum256([]byte(code))
	return hex.EncodeToString(sum[:])
}

type inviteHandler struct{ d Deps }

func (h inviteHandler) Handle(ctx context.Context, in Invite) (Invitation, error) {
	ttl := in.TTL
	if ttl == 0 {
		ttl = DefaultInviteTTL
	}
	if ttl < time.Minute || ttl > MaxInviteTTL {
		return Invitation{}, domain.Invalid(domain.Violation("expires_in", "out_of_range", "an invitation lasts from a minute to 30 days"))
	}
	if _, err := h.d.owned(ctx, in.RoomID, in.UserID); err != nil {
		return Invitation{}, err
	}
	if err := h.d.limit(ctx, in.UserID); err != nil {
		return Invitation{}, err
	}
	var b [24]byte
	_, _ = rand.Read(b[:])
	code := InviteCodePrefix + base64.RawURLEncoding.EncodeToString(b[:])
	now := h.d.Clock.Now()
	inv := room.Invite{ID: domain.NewID(now), RoomID: in.RoomID, CreatedBy: in.UserID, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if err := h.d.Store.AddInvite(ctx, inv, hashCode(code)); err != nil {
		return Invitation{}, err
	}
	return Invitation{Invite: inv, Code: code}, nil
}
