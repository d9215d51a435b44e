package providerhttp_test

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/internal/providerhttp"
)

// TestIsPublic: the internal, special and metadata ranges are not public, in either family and
// in IPv4-mapped form; the internet's addresses are.
func TestIsPublic(t *testing.T) {
	t.Parallel()
	for _, a := range []string{"127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1",
		"0.0.0.0", "0.1.2.3", "224.0.0.1", "255.255.255.255", "198.18.0.1", "::1", "::", "fe80::1", "fc00::1", "fd12::1",
		"ff02::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254", "64:ff9b::a9fe:a9fe", "2002:7f00:1::", "fd00:ec2::254",
		"::7f00:1", "100::1", "2001::1", "2001:0:4136:e378::1"} {
		assert.False(t, providerhttp.IsPublic(netip.MustParseAddr(a)), a)
	}
	for _, a := range []string{"8.8.8.8", "1.1.1.1", "151.101.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"} {
		assert.True(t, providerhttp.IsPublic(netip.MustParseAddr(a)), a)
	}
	assert.False(t, providerhttp.IsPublic(netip.Addr{}), "no address")
}

// TestParsePrefixes: prefixes and single addresses, comma-separated, spaces allowed; anything
// else is refused with what it was.
func TestParsePrefixes(t *testing.T) {
	t.Parallel()
	got, err := providerhttp.ParsePrefixes(" 10.0.0.0/8, 192.168.1.7 ,fd00::/8,::1,")
	require.NoError(t, err)
	assert.Equal(t, []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.7/32"),
		netip.MustParsePrefix("fd00::/8"), netip.MustParsePrefix("::1/128")}, got)
	none, err := providerhttp.ParsePrefixes("")
	require.NoError(t, err)
	assert.Empty(t, none)
	_, err = providerhttp.ParsePrefixes("10.0.0.0/8,files.internal")
	require.ErrorContains(t, err, `"files.internal"`)
}

// TestHostPort: the scheme's port fills in.
func TestHostPort(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]string{"https://api.openai.com/v1": "api.openai.com:443", "http://h": "h:80",
		"http://h:8080": "h:8080", "http://[::1]:9/x": "[::1]:9", "https://[fd00::1]": "[fd00::1]:443"} {
		u, err := url.Parse(raw)
		require.NoError(t, err)
		assert.Equal(t, want, providerhttp.HostPort(u), raw)
	}
}

// TestPublicOnlyDialsEverythingThroughTheGuard: a base transport's own TLS dialler (an embedder's
// client may have one) does not carry an HTTPS fetch past the check.
func TestPublicOnlyDialsEverythingThroughTheGuard(t *testing.T) {
	t.Parallel()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		t.Error("an internal host was reached")
	}))
	t.Cleanup(srv.Close)
	base := srv.Client()
	tr := base.Transport.(*http.Transport)
	tr.DialTLSContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		return tls.Dial(network, addr, tr.TLSClientConfig)
	}
	c := providerhttp.PublicOnly(base, "api.example:443", nil)
	_, err := c.Get(srv.URL + "/metadata")
	require.ErrorIs(t, err, providerhttp.ErrNotPublic)
}
