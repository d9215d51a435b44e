package account

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/account"
	"github.com/companionhub/companionhub/domain/audit"
)

// Register creates an account.
type Register struct {
	Email       string
	Username    string
	DisplayName string
	Password    string
	Meta        audit.Meta
	// Rejected are the members a transport could not read (wrong type, unknown): they are reported
	// with the use case's own checks of the other fields, and the account is not created.
	Rejected []domain.FieldViolation
	// ByAdmin marks an account created by an operator (admin CLI): no per-IP rate limit applies.
	ByAdmin bool
}

type registerHandler struct{ d Deps }

func (h registerHandler) Handle(ctx context.Context, in Register) (*account.User, error) {
	in.Password = normalizePassword(in.Password)
	email, errE := account.NewEmail(in.Email)
	username, errU := account.NewUsername(in.Username)
	name, errN := account.NewDisplayName(in.DisplayName)
	// Every field is reported at once, the password's whole policy included: it is judged against
	// the parts of the identity that are valid. The breach check, which calls out, is not made for a
	// request that is refused anyway.
	errP := checkNewPassword(h.d, "password", in.Password, email, username, name)
	if err := refuse(in.Rejected, errE, errU, errN, errP); err != nil {
		return nil, err
	}
	// Only well-formed attempts count against the per-IP budget, so a person who mistypes is not
	// locked out for a day; the limit is taken before the costly hash and the outbound breach check.
	if !in.ByAdmin {
		if err := h.d.Guard.Check(ctx, h.d.Policy.Limits.Register, in.Meta.IP); err != nil {
			return nil, err
		}
	}
	if err := checkBreached(ctx, h.d, "password", in.Password); err != nil {
		return nil, err
	}
	hash, err := h.d.Hasher.Hash(ctx, in.Password)
	if err != nil {
		return nil, err
	}
	now := h.d.Clock.Now()
	u, err := account.NewUser(domain.NewID(now), email, username, name, hash, now)
	if err != nil {
		return nil, err
	}
	ev := audit.New(now, u.ID(), audit.ActionRegister, audit.ResourceUser, u.ID().String(), in.Meta).
		With("username", u.Username().String())
	if in.ByAdmin {
		ev = ev.With("by", "admin")
	}
	err = h.d.Store.InTx(ctx, func(r Repos) error {
		if err := r.Users().Create(ctx, u); err != nil {
			return err
		}
		return appendAudit(ctx, r, ev)
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}
