// Package hibp tells whether a password appeared in a known breach, using Have I Been Pwned's
// Pwned Passwords range API (https://haveibeenpwned.com/API/v3#PwnedPasswords). It is
// k-anonymous: only the first five hex digits of the password's SHA-1 leave the process, the
// service answers with every breached hash under that prefix, and the match happens here. The
// password and its full hash never leave the process, nor reach an error or a log line; the
// request asks for padding, so even the response size says nothing about the password.
package hibp

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/envflag"
	accountuc "github.com/companionhub/companionhub/usecase/account"
)

var _ accountuc.BreachChecker = (*Checker)(nil)

// Config configures the range API client.
type Config struct {
	// BaseURL is the API root; requests go to BaseURL/range/{prefix}.
	BaseURL string `env:"BREACH_CHECK_URL" help:"base URL of the Have I Been Pwned-compatible range API"`
	// Timeout bounds one check, reading the body included. Checks run while a person registers or
	// changes a password, so a slow service must not keep them waiting.
	Timeout time.Duration `env:"BREACH_CHECK_TIMEOUT" help:"time allowed for one breach check"`
	// UserAgent names the hub to the service, as HIBP asks of every client.
	UserAgent string `env:"-"`
}

// DefaultConfig returns the public service's address, a 3-second timeout and the hub's user agent.
func DefaultConfig() Config {
	return Config{BaseURL: "https://api.pwnedpasswords.com", Timeout: 3 * time.Second, UserAgent: "companionhub"}
}

// Validate checks that BaseURL is an absolute http(s) URL without query or fragment, Timeout is
// positive and UserAgent is set.
func (c Config) Validate() error {
	u, err := url.Parse(c.BaseURL)
	switch {
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
		return envflag.Field("BaseURL", "must be an absolute http(s) URL")
	case u.RawQuery != "" || u.Fragment != "":
		return envflag.Field("BaseURL", "must not have a query or fragment")
	case c.Timeout <= 0:
		return envflag.Field("Timeout", "must be positive")
	case strings.TrimSpace(c.UserAgent) == "":
		return envflag.Field("UserAgent", "must be set")
	}
	return nil
}

// Checker implements BreachChecker with the range API. It is safe for concurrent use.
type Checker struct {
	rangeURL  string // BaseURL + "/range/"
	timeout   time.Duration
	userAgent string
	hc        *http.Client
}

// New returns a Checker that sends its requests with hc (nil means a client of its own with
// Go's default transport). It panics if c is invalid: configuration is validated once at
// start-up, so an invalid one here is a programming error.
func New(c Config, hc *http.Client) *Checker {
	if err := c.Validate(); err != nil {
		panic(err)
	}
	if hc == nil {
		hc = &http.Client{}
	}
	return &Checker{
		rangeURL:  strings.TrimRight(c.BaseURL, "/") + "/range/",
		timeout:   c.Timeout,
		userAgent: c.UserAgent,
		hc:        hc,
	}
}

// maxBody caps the response read. A padded answer holds 800–1 000 lines of ~40 bytes; a
// response hundreds of times that size is not the range API.
const maxBody = 1 << 20

// Breached reports whether password appears in the Pwned Passwords corpus.
//
// Every failure is KindUnavailable: the service unreachable, a timeout, a non-2xx status or a
// body that is not a range answer. That includes HIBP's 429: it limits the hub, not the person
// registering, so reporting KindRateLimited would tell them to slow down when they did nothing
// wrong — the use case treats any error as "could not check". A Retry-After from the service is
// kept in the error's RetryAfter for whoever logs or backs off.
func (c *Checker) Breached(ctx context.Context, password string) (bool, error) {
	sum := sha1.Sum([]byte(password))
	digest := strings.ToUpper(hex.EncodeToString(sum[:]))
	prefix, suffix := digest[:5], digest[5:]

	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.rangeURL+prefix, nil)
	if err != nil {
		return false, domain.Errorf(domain.KindInternal, "pwned passwords: build request: %w", err)
	}
	// Padding adds hundreds of zero-count entries, so the response size varies independently of
	// the prefix.
	req.Header.Set("Add-Padding", "true")
	req.Header.Set("User-Agent", c.userAgent)

	resp, err := c.hc.Do(req)
	if err != nil {
		// *url.Error quotes the URL, and with it the prefix: keep only the cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return false, domain.Errorf(domain.KindUnavailable, "pwned passwords: range query: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody)) // so the connection can be reused
		e := domain.Errorf(domain.KindUnavailable, "pwned passwords: range query: HTTP %d", resp.StatusCode)
		e.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), time.Now())
		return false, e
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return false, domain.Errorf(domain.KindUnavailable, "pwned passwords: read range answer: %w", err)
	}
	if len(body) > maxBody {
		return false, domain.Errorf(domain.KindUnavailable, "pwned passwords: range answer larger than %d bytes", maxBody)
	}
	found, err := findSuffix(body, suffix)
	if err != nil {
		return false, domain.Errorf(domain.KindUnavailable, "pwned passwords: %w", err)
	}
	return found, nil
}

// findSuffix scans a range answer — lines "SUFFIX:COUNT", CRLF or LF, suffixes in either case —
// for suffix with a positive count. Padding entries (count 0) are not breaches. Every line is
// checked, so a body that is not a range answer (an HTML error page served with 200, a
// truncated body) is an error rather than "not breached".
func findSuffix(body []byte, suffix string) (bool, error) {
	found, entries, n := false, 0, 0
	for line := range bytes.Lines(body) {
		n++
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		hash, count, ok := bytes.Cut(line, []byte(":"))
		if !ok || len(hash) != len(suffix) || !isHex(hash) {
			return false, fmt.Errorf("range answer line %d is not SUFFIX:COUNT", n)
		}
		c, err := strconv.ParseUint(string(count), 10, 64)
		if err != nil {
			return false, fmt.Errorf("range answer line %d has no count", n)
		}
		entries++
		if c > 0 && strings.EqualFold(string(hash), suffix) {
			found = true
		}
	}
	if entries == 0 {
		// Every prefix has breached hashes, and padding adds more: an empty answer is not real.
		return false, errors.New("empty range answer")
	}
	return found, nil
}

func isHex(b []byte) bool {
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// retryAfter reads a Retry-After header in either of its forms (seconds, or an HTTP date);
// 0 when absent or unreadable.
func retryAfter(h string, now time.Time) time.Duration {
	if h == "" {
		return 0
	}
	if s, err := strconv.Atoi(h); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
