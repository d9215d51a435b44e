package chat

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/usecase"
)

// Unset names the options a send leaves out (true: left out); the companion's settings decide
// those. The zero value leaves nothing out: every option is as the request's Options say.
type Unset struct {
	DeepThink bool
	Image     bool
	Voice     bool
}

// sendOptions decides a send's options and counts the turn against the person's limits. What the
// request says is what it gets — a picture or voice it asks for on a hub without one is refused, a
// picture it asks for over the hourly allowance is refused (rate limited). What it leaves out comes
// from the companion's settings, within what is possible: DeepThink as set; voice when set and the
// hub has a voice; a picture when AutoImage is set, the hub draws pictures and the allowance holds
// (it is counted then). A setting that cannot be honoured is no refusal — the person did not ask
// this time — the turn simply goes without.
// countChat false leaves the chat limit alone (a turn the person did not type: WriteFirst's).
func sendOptions(ctx context.Context, d Deps, owner domain.ID, asked chat.Options, unset Unset, s companion.Settings,
	countChat bool) (chat.Options, error) {
	o := chat.Options{DeepThink: asked.DeepThink && !unset.DeepThink, Image: asked.Image && !unset.Image,
		Voice: asked.Voice && !unset.Voice, Sampling: asked.Sampling.Bounded()}
	if err := o.Sampling.Validate(); err != nil {
		return chat.Options{}, err
	}
	if err := checkOptions(d, o); err != nil {
		return chat.Options{}, err
	}
	if err := checkLimits(ctx, d, owner, o, countChat); err != nil {
		return chat.Options{}, err
	}
	if unset.DeepThink {
		o.DeepThink = s.DeepThink
	}
	if unset.Voice {
		o.Voice = s.Voice && configured(d.Voice)
	}
	if unset.Image && s.AutoImage && configured(d.Pictures) {
		ok, err := autoPicture(ctx, d, owner)
		if err != nil {
			return chat.Options{}, err
		}
		o.Image = ok
	}
	return o, nil
}

// autoPicture counts a picture the companion's settings ask for against the person's hourly
// allowance, and reports whether it fits. With the day's picture quota used up, over the
// allowance, or with the limiter's store down, the turn goes without the picture rather than
// failing (and the allowance is not spent on a picture the quota would refuse).
func autoPicture(ctx context.Context, d Deps, owner domain.ID) (bool, error) {
	if d.PictureQuota != nil {
		if err := d.PictureQuota(ctx, owner); usecase.IsQuotaExceeded(err) {
			return false, nil
		} else if err != nil {
			return false, err
		}
	}
	err := d.Guard.Check(ctx, d.Settings.ImageRule, owner.String())
	switch {
	case err == nil:
		return true, nil
	case domain.IsKind(err, domain.KindRateLimited), domain.IsKind(err, domain.KindUnavailable):
		return false, nil
	}
	return false, err
}

// sendRequestKey is what a send's fingerprint holds of its options: the request as sent, each
// option true, false or left out ("-"). A retry is the same request even when the companion's
// settings changed in between, so it stays a replay. A send that leaves nothing out keeps the
// encoding fingerprints had before settings existed.
func sendRequestKey(o chat.Options, u Unset) string {
	part := func(v, unset bool) string {
		if unset {
			return "-"
		}
		return strconv.FormatBool(v)
	}
	key := part(o.DeepThink, u.DeepThink) + "," + part(o.Image, u.Image) + "," + part(o.Voice, u.Voice)
	if !o.Sampling.IsZero() {
		b, _ := json.Marshal(o.Sampling.Bounded())
		key += "," + string(b)
	}
	return key
}
