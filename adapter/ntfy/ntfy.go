// Package ntfy is the proactive.Notifier that publishes to ntfy (https://ntfy.sh, or a server of
// one's own): each person subscribes, in ntfy's app or web page, to their own topic — the topic
// prefix and a keyed hash of their user id (HMAC-SHA256 under the operator's topic key, 32 base32
// characters), which Address gives as the URL to subscribe to — and their phone shows "Mira wrote
// to you" when a companion writes first. User ids are no secret (the people of a room see each
// other's): a topic made of one would let anyone who knows it read that person's notifications.
//
// It publishes as ntfy's HTTP API does (https://docs.ntfy.sh/publish/):
//
//	POST <base>/<prefix><keyed hash of the user id>
//	Authorization: Bearer <token>              (when NOTIFY_API_KEY is set)
//	Title: Mira wrote to you                   (RFC 2047-encoded when not ASCII, which ntfy decodes)
//	Click: https://hub.example/companions/…    (when the hub knows its address)
//	Tags: speech_balloon
//	X-Priority: 3
//
//	Open the chat to read it.
//
// and ntfy answers 200 with the message it published, {"id","time","event":"message","topic",…};
// an answer that is not one (a proxy's page, a server that is not ntfy) is KindInternal, not
// retried. The priority goes in X-Priority, which ntfy reads first, rather than Priority: proxies
// such as Cloudflare set the Priority header of RFC 9218 on the requests they forward, and ntfy
// ignores what they put there.
//
// Errors are ntfy's {"code":40301,"http":403,"error":"forbidden","link":…}. Transport errors,
// timeouts (the feature's Timeout bounds each attempt), 408, 425, 429 (ntfy's rate limits, 42901
// and the like) and 5xx are retried with the policy of internal/retrypolicy, within the caller's
// context; what still fails is KindUnavailable. Any other 4xx — a wrong token (401), a topic the
// token may not write to (403), a topic ntfy refuses (400) — is KindInvalid at once. Redirects are
// not followed: one would turn the POST into a GET of the topic's web page, which answers 200.
//
// A topic is a password on a server without access control (ntfy.sh's default): anyone who knows
// it can read the notifications, which say only that a companion wrote and where to read it. A
// server with access control, and a token that may write to the hub's topics, keeps them private.
package ntfy

import (
	"bytes"
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/envflag"
	"github.com/companionhub/companionhub/internal/providerhttp"
	"github.com/companionhub/companionhub/internal/retrypolicy"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/usecase/proactive"
)

var (
	_ proactive.Notifier  = (*Notifier)(nil)
	_ proactive.Addresser = (*Notifier)(nil)
)

// Defaults and fixed parts of a message.
const (
	DefaultBaseURL     = "https://ntfy.sh"
	DefaultTopicPrefix = "companionhub-"
	DefaultPriority    = 3
	// Tags is the emoji short code ntfy shows before the title: 💬.
	Tags      = "speech_balloon"
	UserAgent = "companionhub-ntfy/1"
)

// topicHashLength is how many characters of the keyed hash follow the prefix in a topic.
const topicHashLength = 32

// MaxTopicPrefix is the longest prefix that leaves room for the hash in ntfy's 64 characters.
const MaxTopicPrefix = 64 - topicHashLength

// MinTopicKey is the shortest topic key accepted, in bytes.
const MinTopicKey = 16

// topicPrefixPattern is what ntfy accepts in a topic name ([-_A-Za-z0-9]{1,64}), the id aside.
var topicPrefixPattern = regexp.MustCompile(`^[-_A-Za-z0-9]*$`)

// Config locates the server. A hub fills it from its notification settings and the backend's
// Options; an embedder may fill it in code.
type Config struct {
	// BaseURL is the ntfy server's root; empty is DefaultBaseURL.
	BaseURL string
	// Token is an access token sent as a bearer token; empty sends none.
	Token secret.String
	// Timeout bounds each attempt.
	Timeout time.Duration
	// TopicPrefix comes before the keyed hash of each person's user id in their topic.
	TopicPrefix string
	// TopicKey keys the hash of user ids that topics are made of; at least MinTopicKey bytes. Changing
	// it moves every person to a new topic (they subscribe again).
	TopicKey secret.String
	// Priority is the messages' priority, 1 (min) to 5 (max); 3 is ntfy's default.
	Priority int
	// Attempts and Backoff are the retry policy (see internal/retrypolicy).
	Attempts int
	Backoff  time.Duration
	// Sleep pauses between attempts (nil: a timer); tests replace it so that they need not wait.
	Sleep func(ctx context.Context, d time.Duration) error
}

// DefaultConfig publishes to ntfy.sh with the default prefix and priority, ten seconds an attempt
// and the default retry policy.
func DefaultConfig() Config {
	p := retrypolicy.Default()
	return Config{Timeout: 10 * time.Second, TopicPrefix: DefaultTopicPrefix, Priority: DefaultPriority,
		Attempts: p.Attempts, Backoff: p.Backoff}
}

// Validate checks the settings without contacting the server. Its errors are envflag field errors
// (BaseURL, APIKey for the token, Timeout, TopicPrefix, Priority, Attempts, Backoff) and never
// quote the URL or the token.
func (c Config) Validate() error {
	if err := c.checkServer(); err != nil {
		return err
	}
	if c.Timeout <= 0 {
		return envflag.Field("Timeout", "must be positive")
	}
	if err := checkOptions(c.TopicPrefix, c.Priority); err != nil {
		return err
	}
	if err := checkTopicKey(c.TopicKey); err != nil {
		return err
	}
	return c.policy().Validate()
}

// checkServer checks the server's address and the token.
func (c Config) checkServer() error {
	if _, err := c.root(); err != nil {
		return err
	}
	return providerhttp.CheckKey(c.Token)
}

// checkTopicKey requires a key long enough that topics cannot be guessed from user ids.
func checkTopicKey(k secret.String) error {
	if len(k.Reveal()) < MinTopicKey {
		return envflag.Fieldf("TopicKey", "must be a secret of at least %d bytes that people's topics are derived from (e.g. openssl rand -hex 32): made of user ids alone, topics could be guessed", MinTopicKey)
	}
	return nil
}

func checkOptions(prefix string, priority int) error {
	switch {
	case !topicPrefixPattern.MatchString(prefix):
		return envflag.Field("TopicPrefix", "may hold only letters, digits, - and _ (ntfy's topic names)")
	case len(prefix) > MaxTopicPrefix:
		return envflag.Fieldf("TopicPrefix", "must be at most %d characters, to leave room for the person's part in ntfy's 64", MaxTopicPrefix)
	case priority < 1 || priority > 5:
		return envflag.Fieldf("Priority", "must be 1 (min) to 5 (max), got %d", priority)
	}
	return nil
}

func (c Config) root() (*url.URL, error) {
	return providerhttp.ParseBaseURL(cmp.Or(c.BaseURL, DefaultBaseURL), providerhttp.URLHints{
		Want: "the ntfy server's root", Example: "https://ntfy.sh",
		Credentials: "put an access token in NOTIFY_API_KEY"})
}

func (c Config) policy() retrypolicy.Policy {
	return retrypolicy.Policy{Attempts: c.Attempts, Backoff: c.Backoff, Sleep: c.Sleep}
}

// Notifier publishes notifications to ntfy. It is safe for concurrent use.
type Notifier struct {
	hc       *http.Client
	root     *url.URL
	token    secret.String
	timeout  time.Duration
	prefix   string
	topicKey []byte
	priority string
	policy   retrypolicy.Policy
	redact   providerhttp.Redactor
}

// New returns a Notifier that sends with hc's transport (nil: Go's default), without following
// redirects.
func New(c Config, hc *http.Client) (*Notifier, error) {
	if err := c.Validate(); err != nil {
		return nil, domain.Errorf(domain.KindInvalid, "ntfy: %w", err)
	}
	client := http.Client{}
	if hc != nil {
		client = *hc // shares the transport and its connections
	}
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	root, _ := c.root() // checked by Validate
	return &Notifier{
		hc: &client, root: root, token: c.Token, timeout: c.Timeout, prefix: c.TopicPrefix,
		topicKey: []byte(c.TopicKey.Reveal()),
		priority: strconv.Itoa(c.Priority), policy: c.policy(), redact: providerhttp.NewRedactor(c.Token.Reveal(), c.TopicKey.Reveal()),
	}, nil
}

// Address is the URL of the person's topic, which they subscribe to in ntfy's app or open in a
// browser; "" for no one.
func (n *Notifier) Address(userID domain.ID, _ string) string {
	if userID.IsZero() {
		return ""
	}
	return n.topicURL(userID)
}

func (n *Notifier) topicURL(userID domain.ID) string {
	return n.root.JoinPath(n.topic(userID)).String()
}

// topic is the person's topic: the prefix and the first 32 characters (160 bits) of the base32 of
// HMAC-SHA256(topic key, user id) — ntfy's topic characters, within its 64 with any prefix.
func (n *Notifier) topic(userID domain.ID) string {
	mac := hmac.New(sha256.New, n.topicKey)
	mac.Write([]byte(userID.String()))
	sum := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(mac.Sum(nil)))
	return n.prefix + sum[:topicHashLength]
}

// Notify publishes m to its person's topic, retrying what is worth retrying within ctx. A
// notification for no one is KindInternal, sent nowhere.
func (n *Notifier) Notify(ctx context.Context, m proactive.Notification) error {
	if m.UserID.IsZero() {
		return errIncomplete
	}
	if ctx.Err() != nil {
		return domain.ContextError(ctx, errCancelled, errTimedOut)
	}
	topic := n.topicURL(m.UserID)
	err := n.policy.Do(ctx, func(ctx context.Context, attempt int) retrypolicy.Attempt {
		return n.publish(ctx, attempt, topic, m)
	})
	if err != nil && ctx.Err() != nil {
		return stopped(ctx, err)
	}
	return err
}

// errTimeout is the cause of an attempt's own deadline.
var errTimeout = errors.New("NOTIFY_TIMEOUT elapsed")

// publish makes one attempt.
func (n *Notifier) publish(parent context.Context, attempt int, topic string, m proactive.Notification) retrypolicy.Attempt {
	ctx, cancel := context.WithTimeoutCause(parent, n.timeout, errTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, topic, bytes.NewReader([]byte(m.Body)))
	if err != nil {
		return retrypolicy.Attempt{Err: domain.Errorf(domain.KindInternal, "ntfy: build the request: %w", providerhttp.WithoutURL(err))}
	}
	req.Header.Set("Content-Type", "text/plain; charset=utf-8")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	if m.Title != "" {
		req.Header.Set("Title", mime.BEncoding.Encode("utf-8", m.Title))
	}
	if m.URL != "" {
		req.Header.Set("Click", m.URL)
	}
	req.Header.Set("Tags", Tags)
	req.Header.Set("X-Priority", n.priority)
	providerhttp.SetBearer(req.Header, n.token)
	resp, err := n.hc.Do(req)
	if err != nil {
		return n.transportFailure(parent, ctx, attempt, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return n.statusFailure(attempt, resp)
	}
	return n.published(attempt, resp)
}

// wireMessage is what ntfy answers a publication with (the fields the hub checks).
type wireMessage struct {
	ID    string `json:"id"`
	Event string `json:"event"`
	Topic string `json:"topic"`
}

// maxAnswer bounds what is read of an answer: a message is well under a kilobyte.
const maxAnswer = 64 << 10

// published checks that a 200 is ntfy's message, not a page that something else answered.
func (n *Notifier) published(attempt int, resp *http.Response) retrypolicy.Attempt {
	body, err := providerhttp.ReadAll(resp.Body, maxAnswer)
	if err != nil {
		return retrypolicy.Attempt{Err: errBadAnswer.Wrap(fmt.Errorf("ntfy: attempt %d: read the answer: %w", attempt, err))}
	}
	var msg wireMessage
	if json.Unmarshal(body, &msg) != nil || msg.Event != "message" || msg.ID == "" {
		return retrypolicy.Attempt{Err: errBadAnswer.Wrap(fmt.Errorf("ntfy: attempt %d: HTTP 200 without a message: %s",
			attempt, n.redact.Redact(providerhttp.RedactTokens(providerhttp.ParseDetail(body).String()))))}
	}
	return retrypolicy.Attempt{}
}
