package httpapi

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// proxies decides which peers may tell us the client's address. X-Forwarded-For is believed only from
// them — anyone else could write any address there (the original trusted it blindly).
type proxies struct{ nets []netip.Prefix }

func parseProxies(cidrs []string) (proxies, error) {
	var p proxies
	for _, c := range cidrs {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		if !strings.Contains(c, "/") {
			a, err := netip.ParseAddr(c)
			if err != nil {
				return proxies{}, fmt.Errorf("%q is not an IP address or CIDR", c)
			}
			c = netip.PrefixFrom(a, a.BitLen()).String()
		}
		pre, err := netip.ParsePrefix(c)
		if err != nil {
			return proxies{}, fmt.Errorf("%q is not an IP address or CIDR", c)
		}
		p.nets = append(p.nets, pre.Masked())
	}
	return p, nil
}

func (p proxies) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, n := range p.nets {
		if n.Contains(a) {
			return true
		}
	}
	return false
}

// peerIsTrusted reports whether the direct peer of r is a trusted proxy.
func (p proxies) peerIsTrusted(r *http.Request) bool {
	a, ok := peerAddr(r)
	return ok && p.trusted(a)
}

// clientIP returns the address of the client: the peer, or — when the peer is a trusted proxy — the
// right-most address in X-Forwarded-For that is not itself a trusted proxy.
func (p proxies) clientIP(r *http.Request) string {
	peer, ok := peerAddr(r)
	if !ok {
		return ""
	}
	if !p.trusted(peer) {
		return peer.String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // a malformed hop: stop believing anything further left
		}
		a = a.Unmap()
		if !p.trusted(a) {
			return a.String()
		}
		peer = a
	}
	return peer.String()
}

func peerAddr(r *http.Request) (netip.Addr, bool) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}
