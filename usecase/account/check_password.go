package account

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/account"
)

// CheckPassword judges a password someone is choosing, as they type it, by the local policy —
// length, their own words, the common list, estimated strength — without changing anything and
// without the breach check (which calls out and is made when the password is actually set).
// Email, Username and DisplayName are what the person typed so far (any may be empty or not yet
// valid: the valid ones are used).
type CheckPassword struct {
	Password    string
	Email       string
	Username    string
	DisplayName string
	// IP is the client's address: checks are limited per address (Limits.PasswordFeedback).
	IP string
}

// PasswordVerdict is the policy's answer: whether the password would be accepted, its estimated
// strength (0–4), and, when refused, why and how to do better.
type PasswordVerdict struct {
	Acceptable bool
	Score      int
	Problem    string
	Hints      []string
}

type checkPasswordHandler struct{ d Deps }

func (h checkPasswordHandler) Handle(ctx context.Context, in CheckPassword) (PasswordVerdict, error) {
	if err := h.d.Guard.Check(ctx, h.d.Policy.Limits.PasswordFeedback, in.IP); err != nil {
		return PasswordVerdict{}, err
	}
	pw := normalizePassword(in.Password)
	email, _ := account.NewEmail(in.Email)
	username, _ := account.NewUsername(in.Username)
	name, _ := account.NewDisplayName(in.DisplayName)
	v := PasswordVerdict{Acceptable: true}
	if account.CheckPasswordShape("password", pw) == nil {
		v.Score = h.d.Strength.Estimate(pw, account.PasswordInputs(email, username, name)).Score
	}
	if err := checkNewPassword(h.d, "password", pw, email, username, name); err != nil {
		v.Acceptable = false
		if fs := domain.Violations(err); len(fs) > 0 {
			v.Problem = fs[0].Message
		}
		if e := domain.AsError(err); e != nil {
			v.Hints = e.Hints
		}
	}
	return v, nil
}
