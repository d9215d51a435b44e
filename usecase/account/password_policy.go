package account

import (
	"context"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/account"
)

// normalizePassword puts a password in Unicode normalization form C before it is checked or hashed
// (RFC 8265's OpaqueString profile), so the same password typed on two keyboards that compose
// accents differently is the same password.
func normalizePassword(pw string) string {
	if !utf8.ValidString(pw) {
		return pw // refused by the shape check; normalising would hide the invalid bytes
	}
	return norm.NFC.String(pw)
}

// checkNewPassword applies the local password policy of SPEC §3.1 to a password someone chooses:
// length, no username or mailbox name inside, the offline list of common passwords, estimated
// strength against the person's own words. checkBreached adds known breaches.
func checkNewPassword(d Deps, field, pw string, email account.Email, username account.Username, name account.DisplayName) error {
	if err := account.CheckPasswordShape(field, pw); err != nil {
		return err
	}
	if err := account.CheckPasswordPersonal(field, pw, email, username); err != nil {
		return err
	}
	if d.Common.IsCommon(pw) {
		return weak(field, "common", "this is one of the most common passwords", nil)
	}
	if s := d.Strength.Estimate(pw, account.PasswordInputs(email, username, name)); s.Score < account.MinPasswordScore {
		msg := "password is too easy to guess"
		if s.Warning != "" {
			msg += ": " + s.Warning
		}
		return weak(field, "too_weak", msg, s.Suggestions)
	}
	return nil
}

// checkBreached asks the breach checker, if one is configured. It is separate from the local rules
// because it calls out: callers spend their rate limit first, so nobody can make the hub send
// requests without limit. A checker that cannot answer does not block anyone (the observer hears).
func checkBreached(ctx context.Context, d Deps, field, pw string) error {
	if d.Breach == nil {
		return nil
	}
	breached, err := d.Breach.Breached(ctx, pw)
	switch {
	case err != nil:
		if d.Observer != nil {
			d.Observer.BreachCheckFailed(ctx, err)
		}
	case breached:
		return weak(field, "breached", "this password has appeared in a data breach", nil)
	}
	return nil
}

// refuse answers every violation of a request at once: rejected (members the transport could not
// read, reported first) and those of errs, the use case's own checks — except about a field already
// rejected, which would say the same thing twice. A single check's error that stands alone is
// returned as it is, so a password refused by the policy alone keeps its weak_password reason; a
// mix is validation_failed and keeps the password's hints. nil when nothing was refused.
func refuse(rejected []domain.FieldViolation, errs ...error) error {
	vs := append([]domain.FieldViolation(nil), rejected...)
	var hints []string
	var alone error
	failed := 0
	for _, err := range errs {
		if err == nil {
			continue
		}
		own := domain.Violations(err)
		if len(own) == 0 {
			return err // not a refusal of a field: nothing to join it with
		}
		failed++
		alone = err
		hints = append(hints, domain.AsError(err).Hints...)
		for _, v := range own {
			if !rejectedField(rejected, v.Field) {
				vs = append(vs, v)
			}
		}
	}
	switch {
	case len(vs) == 0:
		return nil
	case len(rejected) == 0 && failed == 1:
		return alone
	}
	e := domain.AsError(domain.Invalid(vs...))
	e.Hints = hints
	return e
}

// rejectedField reports whether field, or a field it is part of, is among vs.
func rejectedField(vs []domain.FieldViolation, field string) bool {
	for _, v := range vs {
		if field == v.Field || strings.HasPrefix(field, v.Field+".") || strings.HasPrefix(field, v.Field+"[") {
			return true
		}
	}
	return false
}

func weak(field, code, msg string, hints []string) error {
	e := domain.AsError(domain.Invalid(domain.Violation(field, code, msg)))
	e.Reason = "weak_password"
	e.Message = "the password does not meet the password policy"
	e.Hints = hints
	return e
}
