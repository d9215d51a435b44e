package companion

import (
	"context"
	"strconv"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/audit"
	"github.com/companionhub/companionhub/domain/companion"
)

// UpdateSettings changes some of a companion's settings: the fields Change sets, and only those
// (a partial update, applied to the settings as they are under the companion's lock, so two
// changes of different settings never undo each other). It counts against the same hourly limit
// as profile edits (SPEC §3.1: settings changes, 20 an hour). A change is audited; asking for the
// settings a companion has already changes, and records, nothing. A companion in the trash keeps
// its settings (companion.ErrTrashed); another user's is companion.ErrNotFound.
type UpdateSettings struct {
	OwnerID domain.ID
	ID      domain.ID
	Change  companion.SettingsChange
	Meta    audit.Meta
}

type updateSettingsHandler struct{ d Deps }

func (h updateSettingsHandler) Handle(ctx context.Context, in UpdateSettings) (companion.Settings, error) {
	if err := h.d.Guard.Check(ctx, h.d.Policy.UpdateRule, in.OwnerID.String()); err != nil {
		return companion.Settings{}, err
	}
	var out companion.Settings
	err := h.d.Store.InTx(ctx, func(r Repos) error {
		c, err := r.Companions().GetForUpdate(ctx, in.OwnerID, in.ID)
		if err != nil {
			return err
		}
		before, now := c.Settings(), h.d.Clock.Now()
		changed, err := c.ChangeSettings(in.Change, now)
		if err != nil || !changed {
			out = c.Settings()
			return err
		}
		if err := r.Companions().Update(ctx, c); err != nil {
			return err
		}
		out = c.Settings()
		return appendAudit(ctx, r, settingsEvent(event(now, in.OwnerID, audit.ActionCompanionSettings, c, in.Meta), before, out))
	})
	if err != nil {
		return companion.Settings{}, err
	}
	return out, nil
}

// settingsEvent adds to e the settings that changed from before to after, each with its new value
// (the API's names: what an owner reading their audit log knows them by).
func settingsEvent(e audit.Event, before, after companion.Settings) audit.Event {
	for _, s := range []struct {
		name          string
		before, after bool
	}{
		{"auto_image", before.AutoImage, after.AutoImage}, {"voice", before.Voice, after.Voice},
		{"memory", before.Memory, after.Memory}, {"deep_think", before.DeepThink, after.DeepThink},
	} {
		if s.before != s.after {
			e = e.With(s.name, strconv.FormatBool(s.after))
		}
	}
	return e
}
