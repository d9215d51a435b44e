package providerhttp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// ErrNotPublic is why a connection PublicOnly's client would not open: the host is not the trusted
// one and resolves to no public address the client may reach.
var ErrNotPublic = errors.New("providerhttp: the address is not a public one")

// notPublic are the ranges no URL taken from a provider's answer may reach besides those
// netip.Addr names (loopback, private, link-local, multicast, unspecified): shared address space
// (carrier-grade NAT), "this network", IETF protocol assignments, benchmarking, reserved and
// broadcast, and the IPv6 prefixes that embed an IPv4 address a gateway would reach (IPv4-
// compatible, NAT64, 6to4, Teredo) or are discard-only, deprecated site-local or documentation ones.
var notPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("::/96"), // IPv4-compatible (deprecated): ::7f00:1 is 127.0.0.1 to some stacks
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("100::/64"),  // discard-only
	netip.MustParsePrefix("2001::/23"), // IETF protocol assignments (Teredo among them)
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("2002::/16"),
	netip.MustParsePrefix("2001:db8::/32"),
	netip.MustParsePrefix("fec0::/10"),
}

// IsPublic reports whether a is an address of the public internet: not loopback, private
// (RFC 1918, unique local), link-local (cloud metadata services live there), multicast,
// unspecified, nor one of the special ranges in notPublic. An IPv4-mapped IPv6 address is judged
// as its IPv4 address.
func IsPublic(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() {
		return false
	}
	for _, p := range notPublic {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// PublicOnly returns a client for URLs that come from a provider's answer rather than from the
// operator: it connects to trusted (a URL's host with its port, "host:port", as the operator set
// it — the API's own), and otherwise only to public addresses (IsPublic) or those in allow. A name
// is resolved once per connection and the address checked is the address dialled, so a name cannot
// answer a public address to the check and a private one to the connection; redirects are dialled
// through the same check; no proxy is used (a proxy would connect on the client's behalf, unchecked).
//
// The client keeps base's redirect policy, cookie jar and timeout, and its transport's settings
// when that is an *http.Transport (another RoundTripper, such as a tracing wrapper, cannot be
// re-dialled: Go's default transport's settings are taken instead). base nil is Go's default client.
func PublicOnly(base *http.Client, trusted string, allow []netip.Prefix) *http.Client {
	if base == nil {
		base = &http.Client{}
	}
	var tr *http.Transport
	if t, ok := base.Transport.(*http.Transport); ok {
		tr = t.Clone()
	} else {
		tr = http.DefaultTransport.(*http.Transport).Clone()
	}
	// Every connection goes through the guard: no proxy, and no dialler of the base transport's that
	// would open TLS connections its own way.
	tr.Proxy, tr.DialTLSContext, tr.DialTLS, tr.Dial = nil, nil, nil, nil
	g := guard{dialer: &net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}, trusted: strings.ToLower(trusted),
		allow: allow, resolver: net.DefaultResolver}
	tr.DialContext = g.dial
	return &http.Client{Transport: tr, CheckRedirect: base.CheckRedirect, Jar: base.Jar, Timeout: base.Timeout}
}

// dialTimeout bounds each connection attempt, so that an address that never answers does not hold
// the others a name resolves to until the caller's deadline.
const dialTimeout = 10 * time.Second

// guard dials the trusted host as it is, and any other only at an address it may reach.
type guard struct {
	dialer   *net.Dialer
	trusted  string
	allow    []netip.Prefix
	resolver interface {
		LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
	}
}

func (g guard) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if strings.EqualFold(addr, g.trusted) {
		return g.dialer.DialContext(ctx, network, addr)
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	ips, err := g.resolve(ctx, host)
	if err != nil {
		return nil, err
	}
	var last error
	for _, ip := range ips {
		if !g.may(ip) {
			continue
		}
		c, err := g.dialer.DialContext(ctx, network, net.JoinHostPort(ip.Unmap().String(), port))
		if err == nil {
			return c, nil
		}
		last = err
	}
	if last != nil {
		return nil, last
	}
	// The host is not named: it may be an internal one, which an error must not confirm either.
	return nil, fmt.Errorf("connect to a url answer's host: %w", ErrNotPublic)
}

// resolve is the addresses host names (host itself when it is one).
func (g guard) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		return []netip.Addr{ip}, nil
	}
	return g.resolver.LookupNetIP(ctx, "ip", host)
}

// may reports whether ip may be dialled: a public address, or one the operator allowed.
func (g guard) may(ip netip.Addr) bool {
	if IsPublic(ip) {
		return true
	}
	ip = ip.Unmap()
	for _, p := range g.allow {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// ParsePrefixes reads a comma-separated list of CIDR prefixes or single addresses (an address is
// its own /32 or /128). Empty is none.
func ParsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an address nor a CIDR prefix", f)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// HostPort is u's host with its port, as a transport dials it: the scheme's port when u names
// none (http 80, https 443).
func HostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if strings.EqualFold(u.Scheme, "https") {
			port = "443"
		}
	}
	return net.JoinHostPort(u.Hostname(), port)
}
