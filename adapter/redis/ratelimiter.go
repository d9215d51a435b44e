package redis

import (
	"context"
	"time"

	"github.com/google/wire"
	goredis "github.com/redis/go-redis/v9"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/ratelimit"
)

// ProviderSet provides the Redis rate limiter as the ratelimit.Limiter port.
var ProviderSet = wire.NewSet(NewRateLimiter, wire.Bind(new(ratelimit.Limiter), new(*RateLimiter)))

var _ ratelimit.Limiter = (*RateLimiter)(nil)

const (
	// keyPrefix keeps the limiter's keys apart from anything else sharing the Redis database.
	keyPrefix = "companionhub:ratelimit:"
)

// gcra decides in one script, which Redis runs atomically, so concurrent decisions on a key from any
// number of replicas are serialised without a lock or a transaction. The clock is Redis's own TIME,
// read inside the script: one clock for every replica, and never earlier than the decision before.
// Times are whole microseconds (exact in Lua's doubles until the year 2255), stored with string.format
// because tostring would round them to 14 digits.
//
// The key expires when its TAT passes, the moment it would behave like an absent key anyway, so idle
// keys take no memory and need no sweeper. A denial writes nothing.
//
// KEYS[1] is the key; ARGV[1] the interval and ARGV[2] the burst window (Count intervals), both in
// microseconds. It returns {allowed (0/1), remaining, retry after in microseconds}.
var gcra = goredis.NewScript(`
local interval = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]))
if not tat or tat < now then
  tat = now
end
local new_tat = tat + interval
if new_tat - now > window then
  return {0, 0, new_tat - now - window}
end
redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', math.ceil((new_tat - now) / 1000))
return {1, math.floor((now + window - new_tat) / interval), 0}
`)

// RateLimiter is the generic cell rate algorithm in Redis: one theoretical arrival time (TAT) per key.
type RateLimiter struct {
	c goredis.UniversalClient
}

// NewRateLimiter returns a limiter over c (a client, a cluster client or a ring). The script is
// loaded on first use and again whenever Redis has forgotten it.
func NewRateLimiter(c goredis.UniversalClient) *RateLimiter {
	return &RateLimiter{c: c}
}

// Allow implements ratelimit.Limiter.
func (l *RateLimiter) Allow(ctx context.Context, key string, limit ratelimit.Limit) (ratelimit.Decision, error) {
	if err := ratelimit.CheckRequest(key, limit); err != nil {
		return ratelimit.Decision{}, err
	}
	// The burst window is Count whole intervals rather than Period: the interval is rounded down to
	// microseconds, and comparing with Period could then let a burst of Count+1 through.
	interval := limit.Interval().Microseconds()
	window := interval * int64(limit.Count)
	res, err := gcra.Run(ctx, l.c, []string{keyPrefix + key}, interval, window).Int64Slice()
	if err != nil {
		return ratelimit.Decision{}, domain.Errorf(domain.KindUnavailable, "rate limit store: %w", err)
	}
	if len(res) != 3 {
		return ratelimit.Decision{}, domain.Errorf(domain.KindInternal, "rate limit script returned %d values, want 3", len(res))
	}
	if res[0] == 0 {
		return ratelimit.Decision{RetryAfter: time.Duration(res[2]) * time.Microsecond}, nil
	}
	return ratelimit.Decision{Allowed: true, Remaining: int(res[1])}, nil
}
