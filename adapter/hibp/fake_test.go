package hibp

import (
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
)

// fakeRange is a local stand-in for api.pwnedpasswords.com's range endpoint, faithful to what
// the checker relies on: GET /range/{5 hex digits, either case}; 400 for a bad prefix; 404 for
// other paths; a text/plain answer of "SUFFIX:COUNT" lines, upper-case suffixes in sorted order,
// separated by CRLF with no trailing newline; with "Add-Padding: true", hundreds of extra random
// suffixes with count 0. Knobs below break it the ways the real service (or a proxy) can.
type fakeRange struct {
	mu       sync.Mutex
	counts   map[string]int // full upper-case SHA-1 → times seen in breaches
	zero     []string       // suffixes to add as padding whatever the prefix
	lower    bool           // answer with lower-case suffixes
	lf       bool           // separate lines with LF only
	status   int            // answer with this status instead
	header   http.Header    // extra response headers
	body     *string        // answer with this body instead
	hang     bool           // send nothing until the client gives up
	stallMid bool           // send headers and a first line, then nothing
	requests []*http.Request
	arrived  chan struct{} // if set, receives one value per request
}

func newFakeRange(t *testing.T, breached map[string]int) (*fakeRange, *httptest.Server) {
	f := &fakeRange{counts: map[string]int{}}
	for pw, n := range breached {
		f.counts[sha1Hex(pw)] = n
	}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func sha1Hex(s string) string {
	sum := sha1.Sum([]byte(s))
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

var prefixPattern = regexp.MustCompile(`^[0-9A-Fa-f]{5}$`)

func (f *fakeRange) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests = append(f.requests, r.Clone(r.Context()))
	f.mu.Unlock()
	if f.arrived != nil {
		f.arrived <- struct{}{}
	}

	prefix, ok := strings.CutPrefix(r.URL.Path, "/range/")
	switch {
	case !ok:
		http.NotFound(w, r)
		return
	case r.Method != http.MethodGet:
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	case !prefixPattern.MatchString(prefix):
		http.Error(w, "The hash prefix was not in a valid format", http.StatusBadRequest)
		return
	case f.hang:
		<-r.Context().Done()
		return
	}
	for k, v := range f.header {
		w.Header()[k] = v
	}
	if f.status != 0 {
		w.WriteHeader(f.status)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	if f.body != nil {
		fmt.Fprint(w, *f.body)
		return
	}
	lines := f.answer(strings.ToUpper(prefix), r.Header.Get("Add-Padding") == "true")
	sep := "\r\n"
	if f.lf {
		sep = "\n"
	}
	if f.stallMid {
		fmt.Fprint(w, lines[0]+sep)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
		return
	}
	fmt.Fprint(w, strings.Join(lines, sep))
}

func (f *fakeRange) answer(prefix string, pad bool) []string {
	var lines []string
	for hash, n := range f.counts {
		if suffix, ok := strings.CutPrefix(hash, prefix); ok {
			lines = append(lines, fmt.Sprintf("%s:%d", suffix, n))
		}
	}
	// Every real prefix has breached hashes; make sure a clean password's prefix does too.
	lines = append(lines, randomSuffix()+":42")
	if pad {
		for range 800 {
			lines = append(lines, randomSuffix()+":0")
		}
		for _, z := range f.zero {
			lines = append(lines, z+":0")
		}
	}
	slices.Sort(lines)
	if f.lower {
		for i, l := range lines {
			lines[i] = strings.ToLower(l)
		}
	}
	return lines
}

func randomSuffix() string {
	b := make([]byte, 18)
	rand.Read(b)
	return strings.ToUpper(hex.EncodeToString(b))[:35]
}

func (f *fakeRange) received() []*http.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.requests)
}
