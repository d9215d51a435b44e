package account_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/account"
)

func violation(t *testing.T, err error) domain.FieldViolation {
	t.Helper()
	v := domain.Violations(err)
	require.Len(t, v, 1, "%v", err)
	return v[0]
}

func TestEmail(t *testing.T) {
	t.Parallel()
	e, err := account.NewEmail("  Alice.Smith+hub@Example.COM ")
	require.NoError(t, err)
	require.Equal(t, "alice.smith+hub@example.com", e.String())
	for in, code := range map[string]string{
		"": "required", "alice": "format", "alice@": "format", "@example.com": "format", "alice@localhost": "format",
		"Alice <alice@example.com>": "format", "a b@example.com": "format",
		strings.Repeat("a", 250) + "@x.io": "too_long", strings.Repeat("a", 65) + "@example.com": "format",
	} {
		_, err := account.NewEmail(in)
		v := violation(t, err)
		require.Equal(t, "email", v.Field)
		require.Equal(t, code, v.Code, in)
	}
}

func TestUsername(t *testing.T) {
	t.Parallel()
	u, err := account.NewUsername(" Alice_01 ")
	require.NoError(t, err)
	require.Equal(t, "alice_01", u.String())
	for in, code := range map[string]string{
		"": "required", "ab": "too_short", strings.Repeat("a", 33): "too_long", "al-ice": "format", "alíce": "format",
		"a b c": "format",
	} {
		_, err := account.NewUsername(in)
		v := violation(t, err)
		require.Equal(t, "username", v.Field)
		require.Equal(t, code, v.Code, in)
	}
}

func TestDisplayName(t *testing.T) {
	t.Parallel()
	d, err := account.NewDisplayName("  Zoë «Z» 💜 ")
	require.NoError(t, err)
	require.Equal(t, "Zoë «Z» 💜", d.String())
	_, err = account.NewDisplayName(strings.Repeat("é", 64))
	require.NoError(t, err, "64 characters, not bytes")
	for in, code := range map[string]string{"": "required", "   ": "required", strings.Repeat("x", 65): "too_long",
		"a\x00b": "format", "line\nbreak": "format", "bad\xffutf8": "format",
		// Control and format characters (Cc, Cf) hide or reorder what a name says.
		"Ada\u202Eevil": "format", "A\u200Bda": "format", "\uFEFFAda": "format", "Ada\u2066": "format",
		"Ada \u200D": "format", "\u00ADAda": "format",
		// Nothing visible left once they are taken out: missing, not malformed.
		"\u200B": "required", " \u200B\u200D \uFEFF ": "required", "\u202E": "required", "\x00": "required"} {
		_, err := account.NewDisplayName(in)
		v := violation(t, err)
		require.Equal(t, "display_name", v.Field)
		require.Equal(t, code, v.Code, "%q", in)
	}

	d, err = account.NewDisplayName("Zoe\u0301")
	require.NoError(t, err)
	require.Equal(t, "Zo\u00e9", d.String(), "NFC: one name is one string however it was typed")
	_, err = account.NewDisplayName(strings.Repeat("e\u0301", 64))
	require.NoError(t, err, "64 characters once composed")
	for _, joined := range []string{"نرگس\u200Cها", "👩\u200D💻"} {
		d, err = account.NewDisplayName(joined)
		require.NoError(t, err, "a joiner between two visible characters is part of the name: %q", joined)
		require.Equal(t, joined, d.String())
	}
}

func TestIdentifier(t *testing.T) {
	t.Parallel()
	i, err := account.NewIdentifier(" Alice@Example.com ")
	require.NoError(t, err)
	require.Equal(t, "alice@example.com", i.String())
	require.True(t, i.IsEmail())
	i, err = account.NewIdentifier("Alice")
	require.NoError(t, err)
	require.False(t, i.IsEmail())
	_, err = account.NewIdentifier("  ")
	require.Equal(t, "required", violation(t, err).Code)
}

func TestPasswordShape(t *testing.T) {
	t.Parallel()
	require.NoError(t, account.CheckPasswordShape("password", "correct horse"))
	require.NoError(t, account.CheckPasswordShape("password", strings.Repeat("ü", 128)), "counted in characters")
	for in, code := range map[string]string{"": "required", "short pass!": "too_short",
		strings.Repeat("x", 129): "too_long", "twelve chars\xff": "format"} {
		v := violation(t, account.CheckPasswordShape("new_password", in))
		require.Equal(t, "new_password", v.Field)
		require.Equal(t, code, v.Code)
	}
}

func TestPasswordInputs(t *testing.T) {
	t.Parallel()
	e, _ := account.NewEmail("jane.doe@example.com")
	u, _ := account.NewUsername("janed")
	n, _ := account.NewDisplayName("Jane")
	require.Equal(t, []string{"jane.doe@example.com", "jane.doe", "janed", "Jane"}, account.PasswordInputs(e, u, n))
}

func TestPasswordPersonal(t *testing.T) {
	t.Parallel()
	e, _ := account.NewEmail("jane.doe@example.com")
	u, _ := account.NewUsername("janed")
	require.NoError(t, account.CheckPasswordPersonal("password", "plum-ferry-osmosis", e, u))
	for _, pw := range []string{"JaneD-is-my-name", "hello jane.doe 2024"} {
		v := violation(t, account.CheckPasswordPersonal("password", pw, e, u))
		require.Equal(t, "personal", v.Code, pw)
	}
	short, _ := account.NewUsername("abc")
	require.NoError(t, account.CheckPasswordPersonal("password", "abcdefghijklmnop", account.Email{}, short), "short names are not checked")
}
