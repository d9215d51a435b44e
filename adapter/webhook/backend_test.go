package webhook_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/webhook"
	"github.com/companionhub/companionhub/backend"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/test/contract/backendtest"
	"github.com/companionhub/companionhub/test/fakes/webhookfake"
)

func TestBackendDescriptor(t *testing.T) {
	t.Parallel()
	fake := webhookfake.New(t, testSecret)
	b := webhook.Backend()
	assert.Equal(t, "webhook", b.Name)
	n := backendtest.Open(t, "notify", b, backend.Settings{Provider: "webhook", BaseURL: fake.URL(), APIKey: testSecret})
	require.NoError(t, n.Notify(t.Context(), fixed()))
	require.Len(t, fake.Deliveries(), 1)
	assert.True(t, fake.Deliveries()[0].Signed)
}

// TestBackendOptions: the backend's own settings reach the notifier.
func TestBackendOptions(t *testing.T) {
	t.Parallel()
	fake := webhookfake.New(t, testSecret)
	fake.Script(webhookfake.Fail(500))
	cat := backend.NewCatalog("notify", webhook.Backend())
	var cs backend.Configs
	cs.Set("notify", "webhook", &webhook.Options{Attempts: 1, Backoff: time.Second})
	s := backend.Settings{Provider: "webhook", BaseURL: fake.URL(), APIKey: testSecret, Timeout: time.Minute}
	require.NoError(t, cat.Check(s, cs, "Notify", "Backends"))
	n, cleanup, err := cat.Open(t.Context(), s, cs, backend.Deps{HTTP: fake.Client()})
	require.NoError(t, err)
	t.Cleanup(cleanup)
	err = n.Notify(t.Context(), fixed())
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err))
	assert.Len(t, fake.Requests(), 1, "one attempt only")

	assert.Equal(t, webhook.Options{Attempts: 4, Backoff: 500 * time.Millisecond}, webhook.DefaultOptions())
	for _, o := range []webhook.Options{{Attempts: 0, Backoff: time.Second}, {Attempts: 11, Backoff: time.Second},
		{Attempts: 3, Backoff: 0}, {Attempts: 3, Backoff: 9 * time.Second}} {
		assert.Error(t, o.Validate(), "%+v", o)
	}
	cs.Set("notify", "webhook", &webhook.Options{Attempts: 0, Backoff: time.Second})
	err = cat.Check(s, cs, "Notify", "Backends")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Backends.notify-webhook.Attempts")
}

// TestBackendValidation: the settings are checked before the hub starts, and the messages quote
// neither the URL nor the secret.
func TestBackendValidation(t *testing.T) {
	t.Parallel()
	validate := webhook.Backend().Validate
	const url = "https://hooks.example/companionhub"
	for _, tc := range []struct {
		name  string
		s     backend.Settings
		field string // "" when valid
	}{
		{"a URL and a secret", backend.Settings{BaseURL: url, APIKey: testSecret}, ""},
		{"no URL", backend.Settings{APIKey: testSecret}, "BaseURL"},
		{"not a URL", backend.Settings{BaseURL: "hooks.example", APIKey: testSecret}, "BaseURL"},
		{"credentials in the URL", backend.Settings{BaseURL: "https://u:hunter2@hooks.example", APIKey: testSecret}, "BaseURL"},
		{"no secret", backend.Settings{BaseURL: url}, "APIKey"},
		{"a short secret", backend.Settings{BaseURL: url, APIKey: "hunter2-hunter2"}, "APIKey"},
		{"a secret on two lines", backend.Settings{BaseURL: url, APIKey: secret.String(testSecret + "\n")}, "APIKey"},
	} {
		err := validate(tc.s)
		if tc.field == "" {
			assert.NoError(t, err, tc.name)
			continue
		}
		require.Error(t, err, tc.name)
		assert.Contains(t, err.Error(), tc.field+":", tc.name)
		assert.NotContains(t, err.Error(), "hunter2", tc.name)
	}

	_, err := webhook.New(webhook.Config{URL: url, Secret: testSecret, Attempts: 4, Backoff: time.Second}, nil)
	assert.Error(t, err, "New needs a timeout")
}
