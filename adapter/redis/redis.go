// Package redis is the Redis adapter: state that replicas share at the speed of memory, for
// deployments that run a Redis anyway: the rate limiter and the stream bus.
//
// go-redis is imported as goredis, so that this package's name stays the technology's.
package redis

import (
	"context"
	"errors"
	"net/url"

	goredis "github.com/redis/go-redis/v9"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/envflag"
	"github.com/companionhub/companionhub/secret"
)

// Config locates the Redis server.
type Config struct {
	// URL is redis://[user:password@]host[:port][/db] (rediss:// for TLS) or unix:///path/to/socket.
	// Options such as dial_timeout or pool_size go in the query string (see goredis.ParseURL).
	URL secret.String `env:"REDIS_URL" help:"redis://[user:password@]host[:port][/db] URL of the Redis server"`
}

// Validate checks the URL's shape without connecting. Its messages never quote the URL, which may
// hold a password.
func (c Config) Validate() error {
	if _, err := c.options(); err != nil {
		return envflag.Fieldf("URL", "%v", err)
	}
	return nil
}

func (c Config) options() (*goredis.Options, error) {
	if !c.URL.IsSet() {
		return nil, errors.New("is empty; want redis://host:port")
	}
	opt, err := goredis.ParseURL(c.URL.Reveal())
	var urlErr *url.Error
	switch {
	case errors.As(err, &urlErr):
		// url.Error quotes the whole URL, password included.
		return nil, errors.New("is not a valid URL; want redis://host:port")
	case err != nil:
		return nil, errors.New("is not usable: " + err.Error() + "; want redis://host:port")
	}
	return opt, nil
}

// Open connects to the server c names and returns once it answers PING, so a wrong address or
// password fails start-up rather than the first request. ctx bounds the wait. The caller closes the
// client.
func Open(ctx context.Context, c Config) (*goredis.Client, error) {
	return open(ctx, c, 0)
}

// StreamPoolSize is the connection pool OpenStreams gives the stream bus at least.
const StreamPoolSize = 2048

// OpenStreams is Open for the stream bus, on a client of its own: every follower of a turn holds a
// connection while it waits for events (go-redis cannot interrupt a blocked XREAD), so its pool is
// sized for followers — at least StreamPoolSize connections, opened as needed — and they never
// starve the rate limiter's.
func OpenStreams(ctx context.Context, c Config) (*goredis.Client, error) {
	return open(ctx, c, StreamPoolSize)
}

func open(ctx context.Context, c Config, minPool int) (*goredis.Client, error) {
	opt, err := c.options()
	if err != nil {
		return nil, domain.Errorf(domain.KindInvalid, "redis: %w", envflag.Fieldf("URL", "%v", err))
	}
	opt.PoolSize = max(opt.PoolSize, minPool)
	client := goredis.NewClient(opt)
	if err := client.Ping(ctx).Err(); err != nil {
		_ = client.Close()
		return nil, domain.Errorf(domain.KindUnavailable, "redis at %s: ping: %w", opt.Addr, err)
	}
	return client, nil
}
