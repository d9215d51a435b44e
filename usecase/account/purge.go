package account

import (
	"context"
	"time"
)

// Purge deletes what no longer matters: sessions expired or revoked more than a day ago (kept that
// long so their owner can still see a recent revocation) and lockout state of unknown identifiers
// that has run its course. The server runs it periodically.
type Purge struct{}

// PurgeResult says how much was deleted.
type PurgeResult struct {
	Sessions int
	Lockouts int
}

type purgeHandler struct{ d Deps }

func (h purgeHandler) Handle(ctx context.Context, _ Purge) (PurgeResult, error) {
	now := h.d.Clock.Now()
	var res PurgeResult
	var err error
	if res.Sessions, err = h.d.Store.Sessions().DeleteDead(ctx, now.Add(-24*time.Hour)); err != nil {
		return res, err
	}
	p := h.d.Policy.Lockout
	res.Lockouts, err = h.d.Store.Lockouts().DeleteIdle(ctx, now.Add(-max(p.Window, p.LockFor)))
	return res, err
}
