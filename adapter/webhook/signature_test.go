package webhook_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/webhook"
)

func TestSignAndVerify(t *testing.T) {
	t.Parallel()
	at := time.Unix(1735804800, 0)
	body := []byte(`{"type":"companion.wrote_first"}`)
	header := webhook.Sign(testSecret, at, body)
	// As computed by: printf '1735804800.{"type":"companion.wrote_first"}' | openssl dgst -sha256 -hmac whsec-test-0123456789abcdef
	assert.Equal(t, "t=1735804800,v1=5232ec00caf95d6ca0d72d7dacd3757526507edd05c84142cee8a9af16d39bea", header)

	require.NoError(t, webhook.Verify(testSecret, header, body, at, time.Minute))
	require.NoError(t, webhook.Verify(testSecret, header, body, at.Add(4*time.Minute), 0), "0 is the default tolerance")
	require.NoError(t, webhook.Verify(testSecret, " t=1735804800 , v1=00 ,"+strings.SplitN(header, ",", 2)[1], body, at, 0),
		"one of several v1 signatures matching is enough")

	for name, tc := range map[string]struct {
		secret, header string
		body           []byte
		now            time.Time
		want           error
	}{
		"a wrong secret":         {"another-secret-00000", header, body, at, webhook.ErrBadSignature},
		"another body":           {testSecret, header, append([]byte(nil), append(body, ' ')...), at, webhook.ErrBadSignature},
		"an old timestamp":       {testSecret, header, body, at.Add(6 * time.Minute), webhook.ErrStaleSignature},
		"a timestamp from ahead": {testSecret, header, body, at.Add(-6 * time.Minute), webhook.ErrStaleSignature},
		"another timestamp":      {testSecret, strings.Replace(header, "t=1735804800", "t=1735804801", 1), body, at, webhook.ErrBadSignature},
		"no header":              {testSecret, "", body, at, webhook.ErrNoSignature},
		"no timestamp":           {testSecret, strings.SplitN(header, ",", 2)[1], body, at, webhook.ErrNoSignature},
		"no signature":           {testSecret, "t=1735804800", body, at, webhook.ErrNoSignature},
		"not hex":                {testSecret, "t=1735804800,v1=zz", body, at, webhook.ErrNoSignature},
		"a timestamp not a number": {testSecret, strings.Replace(header, "t=1735804800", "t=soon", 1), body, at,
			webhook.ErrNoSignature},
	} {
		err := webhook.Verify(tc.secret, tc.header, tc.body, tc.now, 5*time.Minute)
		require.ErrorIs(t, err, tc.want, name)
		assert.NotContains(t, err.Error(), testSecret, name)
	}
}
