package companion

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
)

// GetSettings returns the settings of one of the caller's companions, in the trash or not (the
// trash is readable, only not writable). Another user's companion is companion.ErrNotFound.
type GetSettings struct {
	OwnerID domain.ID
	ID      domain.ID
}

type getSettingsHandler struct{ d Deps }

func (h getSettingsHandler) Handle(ctx context.Context, in GetSettings) (companion.Settings, error) {
	c, err := h.d.Store.Companions().Get(ctx, in.OwnerID, in.ID)
	if err != nil {
		return companion.Settings{}, err
	}
	return c.Settings(), nil
}
