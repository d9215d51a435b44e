package chat

import (
	"context"

	"github.com/companionhub/companionhub/domain"
)

// History pages through a companion's conversation, newest first.
type History struct {
	OwnerID     domain.ID
	CompanionID domain.ID
	Page        domain.Page
}

// HistoryPage is one page of the conversation.
type HistoryPage struct {
	Items []HistoryItem
	Next  domain.Cursor
}

type historyHandler struct{ d Deps }

func (h historyHandler) Handle(ctx context.Context, in History) (HistoryPage, error) {
	if _, err := h.d.Store.Companions().Get(ctx, in.OwnerID, in.CompanionID); err != nil {
		return HistoryPage{}, err
	}
	items, next, err := h.d.Store.Messages().History(ctx, in.CompanionID, in.Page)
	return HistoryPage{Items: items, Next: next}, err
}
