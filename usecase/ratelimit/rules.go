package ratelimit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
	"strings"
	"time"
)

// Rule is a named limit and what to do when the limiter itself fails.
type Rule struct {
	// Name prefixes the key, so rules never share counters.
	Name  string
	Limit Limit
	// FailOpen lets requests through when the limiter store is down (reads); otherwise they are
	// refused as unavailable (login, register).
	FailOpen bool
	// About says what the rule counts, for the configuration's help.
	About string
}

// Rules are the limits of SPEC §3.1, configurable per deployment.
type Rules struct {
	Login           Rule // per IP + identifier
	LoginIP         Rule // per IP, whatever the identifier: bounds the password hashes one address costs
	Register        Rule // per IP
	Chat            Rule // per user
	Image           Rule // per user
	CompanionCreate Rule // per user
	Settings        Rule // per user
	PasswordCheck   Rule // per user: current-password checks (changing the password), apart from logins
	VoicePreview    Rule // per IP
	ViewCount       Rule // per IP + companion
	CommunityBrowse Rule // per IP: community lists and pages, anonymous visitors too
	// PasswordFeedback is per IP: passwords judged while they are typed (no account needed).
	PasswordFeedback Rule
}

// DefaultRules are the defaults of SPEC §3.1. This table is the one place a rule is named and
// described: configuration variables (COMPANIONHUB_RATE_LIMIT_<NAME>) and their help come from it.
func DefaultRules() Rules {
	r := func(name string, n int, per time.Duration, open bool, about string) Rule {
		return Rule{Name: name, Limit: Limit{Count: n, Period: per}, FailOpen: open, About: about}
	}
	return Rules{
		Login:           r("login", 5, 15*time.Minute, false, "login attempts per client IP and identifier"),
		LoginIP:         r("login_ip", 50, 15*time.Minute, false, "login attempts per client IP, across identifiers"),
		Register:        r("register", 3, 24*time.Hour, false, "accounts created per client IP"),
		Chat:            r("chat", 30, time.Minute, false, "chat messages per user"),
		Image:           r("image", 10, time.Hour, false, "pictures generated per user"),
		CompanionCreate: r("companion_create", 10, time.Hour, false, "companions created or cloned per user"),
		Settings:        r("settings", 20, time.Hour, false, "settings changes per user"),
		PasswordCheck:   r("password_check", 5, time.Hour, false, "password changes per user (each checks the current password; apart from logins)"),
		VoicePreview:    r("voice_preview", 20, time.Minute, true, "voice previews per client IP"),
		ViewCount:       r("view_count", 5, time.Hour, true, "community views counted per client IP and companion"),
		CommunityBrowse: r("community_browse", 120, time.Minute, true, "community lists and companion pages per client IP"),
		PasswordFeedback: r("password_feedback", 120, time.Minute, true,
			"password-strength checks per client IP (the feedback while a password is typed)"),
	}
}

// Guard applies rules with one limiter. A nil Guard allows everything (for tools such as the admin
// CLI that act outside any client's budget).
type Guard struct {
	limiter Limiter
	onError func(ctx context.Context, rule string, err error)
}

// NewGuard returns a guard over limiter; onError (may be nil) hears about store failures, which the
// guard itself resolves by the rule's FailOpen.
func NewGuard(l Limiter, onError func(ctx context.Context, rule string, err error)) *Guard {
	return &Guard{limiter: l, onError: onError}
}

// Check counts one request against rule for the subject parts (an IP, a user id, …). It returns nil
// when allowed, ErrLimited with RetryAfter when over the limit, and ErrStoreDown when the store
// failed and the rule fails closed.
//
// Subjects are hashed into the key, so the limiter store never holds IPs or e-mail addresses.
func (g *Guard) Check(ctx context.Context, rule Rule, subject ...string) error {
	if g == nil || g.limiter == nil {
		return nil
	}
	d, err := g.limiter.Allow(ctx, Key(rule.Name, subject...), rule.Limit)
	if err != nil {
		if g.onError != nil {
			g.onError(ctx, rule.Name, err)
		}
		if rule.FailOpen {
			return nil
		}
		return ErrStoreDown.Wrap(err)
	}
	if !d.Allowed {
		return ErrLimited.WithRetryAfter(d.RetryAfter)
	}
	return nil
}

// Key builds the limiter key of a rule and its subject: the rule name, then a digest of the subject.
// A part of the subject that is an IPv6 address counts as its /64 (see Network).
func Key(rule string, subject ...string) string {
	parts := make([]string, len(subject))
	for i, s := range subject {
		parts[i] = Network(s)
	}
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return rule + ":" + hex.EncodeToString(h[:16])
}

// Network is what a limit counts a client address as: an IPv4 address itself, an IPv6 address its
// /64 — one subscriber's network, in which any client picks as many addresses as it likes, so that
// counting addresses would give it a fresh budget with each. Anything else is returned unchanged.
func Network(s string) string {
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is6() || a.Is4In6() {
		return s
	}
	return netip.PrefixFrom(a.WithZone(""), 64).Masked().String()
}

// All lists every rule, in a fixed order.
func (r Rules) All() []Rule {
	refs := r.Refs()
	all := make([]Rule, len(refs))
	for i, p := range refs {
		all[i] = *p
	}
	return all
}

// Refs points at every rule of r, in the order of All: for configuration, which sets them by name.
func (r *Rules) Refs() []*Rule {
	return []*Rule{&r.Login, &r.LoginIP, &r.Register, &r.Chat, &r.Image, &r.CompanionCreate, &r.Settings,
		&r.PasswordCheck, &r.VoicePreview, &r.ViewCount, &r.CommunityBrowse, &r.PasswordFeedback}
}
