package sqlstore

import (
	"context"
	"errors"
	"net"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/secret"
)

// A server that closes a connection while it is being opened — PostgreSQL restarting, or a port
// published (by Docker, a proxy) before the server behind it listens — is unavailable for now, so
// the caller retries and the client hears 503: lib/pq hands on the bare EOF of its startup read,
// which is no bug of the hub's.
func TestConnectionClosedWhileOpeningIsUnavailable(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	db, err := Open(context.Background(), Config{URL: secret.String("postgres://hub:hub@" + l.Addr().String() + "/hub?sslmode=disable"),
		MaxOpenConns: 1})
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })

	var one int
	err = classify(db.X.QueryRowContext(context.Background(), "SELECT 1").Scan(&one), nil, "select one")

	require.Error(t, err)
	require.Equal(t, domain.KindUnavailable, domain.KindOf(err), "%v", err)
	require.Equal(t, domain.KindInternal, domain.KindOf(classify(errors.New("a bug"), nil, "select one")),
		"other errors stay internal")
}
