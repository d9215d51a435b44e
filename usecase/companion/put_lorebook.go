package companion

import (
	"context"
	"strconv"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/audit"
	"github.com/companionhub/companionhub/domain/companion"
)

// PutLorebook replaces the lorebook of one of the caller's companions with Book, validated in full
// (companion.WriteBook): an entry that keeps its id keeps what the hub does not type (its
// extensions, position…), so the card's data survives an edit; an entry without an id is new. A
// book without entries removes the lorebook. It is a profile edit: counted against the same
// hourly limit, made under the companion's lock, audited (companion_update, with "lorebook":
// "put" and the number of entries). A companion in the trash is not changed
// (companion.ErrTrashed).
type PutLorebook struct {
	OwnerID domain.ID
	ID      domain.ID
	Book    companion.Book
	Meta    audit.Meta
}

type putLorebookHandler struct{ d Deps }

func (h putLorebookHandler) Handle(ctx context.Context, in PutLorebook) (companion.Book, error) {
	return editBook(ctx, h.d, in.OwnerID, in.ID, in.Meta, "put", func(companion.Book) (companion.Book, error) {
		return in.Book, nil
	})
}

// editBook changes a companion's lorebook as Update changes its profile: change receives the
// current book and returns the new one, under the companion's lock; the result is written over the
// stored book (companion.WriteBook) and the profile validated again. The event records how.
func editBook(ctx context.Context, d Deps, owner, id domain.ID, meta audit.Meta, how string,
	change func(companion.Book) (companion.Book, error)) (companion.Book, error) {
	if err := d.Guard.Check(ctx, d.Policy.UpdateRule, owner.String()); err != nil {
		return companion.Book{}, err
	}
	var out companion.Book
	err := d.Store.InTx(ctx, func(r Repos) error {
		c, err := writable(ctx, r.Companions(), owner, id)
		if err != nil {
			return err
		}
		spec := c.Profile().Spec()
		book, err := change(companion.ReadBook(spec.Card.CharacterBook))
		if err != nil {
			return err
		}
		if spec.Card.CharacterBook, err = companion.WriteBook(book, spec.Card.CharacterBook); err != nil {
			return err
		}
		p, err := companion.NewProfile(spec)
		if err != nil {
			return err
		}
		now := d.Clock.Now()
		c.Edit(p, now)
		if err := r.Companions().Update(ctx, c); err != nil {
			return err
		}
		out = companion.ReadBook(spec.Card.CharacterBook)
		e := event(now, owner, audit.ActionCompanionUpdate, c, meta).
			With("lorebook", how).With("entries", strconv.Itoa(len(out.Entries)))
		return appendAudit(ctx, r, e)
	})
	if err != nil {
		return companion.Book{}, err
	}
	return out, nil
}
