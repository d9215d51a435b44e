package httpapi

import (
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestClientIP(t *testing.T) {
	t.Parallel()
	p, err := parseProxies([]string{"10.0.0.0/8", "192.0.2.1", " "})
	require.NoError(t, err)
	cases := []struct {
		name, peer, xff, want string
	}{
		{"no proxy: the peer", "203.0.113.9:1234", "", "203.0.113.9"},
		{"untrusted peer's header ignored", "203.0.113.9:1234", "198.51.100.1", "203.0.113.9"},
		{"trusted proxy: last untrusted hop", "10.0.0.1:80", "198.51.100.1, 203.0.113.7", "203.0.113.7"},
		{"chain of trusted proxies skipped", "10.0.0.1:80", "198.51.100.1, 192.0.2.1, 10.9.9.9", "198.51.100.1"},
		{"spoofed left-most entry ignored", "10.0.0.1:80", "1.2.3.4, 198.51.100.2", "198.51.100.2"},
		{"garbage stops the walk", "10.0.0.1:80", "198.51.100.1, garbage", "10.0.0.1"},
		{"only proxies: the farthest", "10.0.0.1:80", "10.0.0.2", "10.0.0.2"},
		{"ipv6 peer", "[2001:db8::1]:443", "", "2001:db8::1"},
		{"ipv4-mapped", "[::ffff:10.0.0.1]:80", "198.51.100.3", "198.51.100.3"},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.peer
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		require.Equal(t, c.want, p.clientIP(r), c.name)
	}
	_, err = parseProxies([]string{"not-an-ip"})
	require.Error(t, err)
}

func TestConfigValidateNamesFields(t *testing.T) {
	t.Parallel()
	c := DefaultConfig()
	require.NoError(t, c.Validate())
	c.Addr = "8080"
	c.PublicURL = "ftp://x"
	c.TrustedProxies = []string{"nope"}
	c.MaxBodyBytes = 1
	c.ReadTimeout = 0
	c.CookieName = "bad name"
	err := c.Validate()
	for _, f := range []string{"Addr", "PublicURL", "TrustedProxies", "MaxBodyBytes", "ReadTimeout", "CookieName"} {
		require.ErrorContains(t, err, f+":")
	}
}
