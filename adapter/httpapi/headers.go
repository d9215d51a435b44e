package httpapi

import (
	"fmt"
	"net/http"

	"github.com/companionhub/companionhub/domain"
)

// Request headers have two limits. maxHeaderBytes is the documented one: a request whose request
// line and header fields exceed it is answered 431 in the JSON error shape, like every other
// refusal. The standard library enforces a cap of its own while it reads headers, before any
// handler runs, and answers that in plain text; headerHardCap sets it well above the documented
// limit, so that a request just over the limit — a cookie grown too large, a proxy that added too
// much — gets the JSON answer. Only beyond the hard cap does a client get net/http's plain-text 431
// (and a closed connection): such requests are abuse rather than mistakes, and reading further
// would cost memory per connection.
const (
	maxHeaderBytes = 64 << 10
	headerHardCap  = 4 * maxHeaderBytes
)

// limitHeaders refuses requests whose headers exceed maxHeaderBytes.
func limitHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if headerBytes(r) > maxHeaderBytes {
			writeError(w, r, domain.E(domain.KindInvalid, reasonHeadersTooLarge,
				fmt.Sprintf("the request headers are larger than %d KiB", maxHeaderBytes>>10)))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// headerBytes is the size of the request line and header fields as sent on the wire in HTTP/1.1
// ("Name: value\r\n" each, Host included), which is what the standard library's cap counts too.
func headerBytes(r *http.Request) int {
	n := len(r.Method) + 1 + len(r.RequestURI) + 1 + len(r.Proto) + 2
	n += len("Host: ") + len(r.Host) + 2
	for name, values := range r.Header {
		for _, v := range values {
			n += len(name) + 2 + len(v) + 2
		}
	}
	return n
}
