package chat

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
)

// checkLimits refuses a turn once the person's daily token quota is used up, and counts it
// against their chat limit, and their picture limit when it asks for a picture. It runs outside
// transactions: a limiter on the database needs a connection of its own.
func checkLimits(ctx context.Context, d Deps, owner domain.ID, o chat.Options, countChat bool) error {
	if err := quotaAllows(ctx, d, owner); err != nil {
		return err
	}
	if o.Image && d.PictureQuota != nil {
		if err := d.PictureQuota(ctx, owner); err != nil {
			return err // asked for, and not to be had today: said now rather than after the reply
		}
	}
	if countChat {
		if err := d.Guard.Check(ctx, d.Settings.ChatRule, owner.String()); err != nil {
			return err
		}
	}
	if o.Image {
		return d.Guard.Check(ctx, d.Settings.ImageRule, owner.String())
	}
	return nil
}

// quotaAllows asks the person's daily token quota, if there is one.
func quotaAllows(ctx context.Context, d Deps, owner domain.ID) error {
	if d.Quota == nil {
		return nil
	}
	return d.Quota(ctx, owner)
}

// checkOptions refuses a turn that asks for a feature the hub does not have.
func checkOptions(d Deps, o chat.Options) error {
	var vs []domain.FieldViolation
	if o.Image && !configured(d.Pictures) {
		vs = append(vs, domain.Violation("image", "not_configured", "pictures are not configured on this hub"))
	}
	if o.Voice && !configured(d.Voice) {
		vs = append(vs, domain.Violation("voice", "not_configured", "voice is not configured on this hub"))
	}
	if len(vs) > 0 {
		return domain.Invalid(vs...)
	}
	return nil
}

func configured(f Feature) bool { return f != nil && f.Configured() }

// lockIdle locks the companion for the rest of the transaction and checks it can take a turn: it
// is not in the trash and no turn of it is running. Turns of one companion never overlap, so each
// starts from the scene the last one left.
func lockIdle(ctx context.Context, r Repos, owner, companionID domain.ID) error {
	if err := lockCompanion(ctx, r, owner, companionID); err != nil {
		return err
	}
	return checkIdle(ctx, r, companionID)
}

// lockCompanion locks the owner's companion for the rest of the transaction; a trashed one cannot
// chat.
func lockCompanion(ctx context.Context, r Repos, owner, companionID domain.ID) error {
	c, err := r.Companions().GetForUpdate(ctx, owner, companionID)
	if err != nil {
		return err
	}
	return c.Writable()
}

// checkIdle refuses while a turn of the companion runs.
func checkIdle(ctx context.Context, r Repos, companionID domain.ID) error {
	busy, err := r.Turns().Active(ctx, companionID, domain.ID{})
	if err != nil {
		return err
	}
	if busy {
		return ErrTurnInProgress
	}
	return nil
}

// start hands a stored turn to the runner.
func start(ctx context.Context, d Deps, t chat.Turn) error {
	return d.Runner.Start(ctx, TurnInput{TurnID: t.ID(), OwnerID: t.OwnerID(), CompanionID: t.CompanionID(), Options: t.Options()})
}
