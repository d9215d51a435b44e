package ntfy_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/ntfy"
	"github.com/companionhub/companionhub/backend"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/test/contract/backendtest"
	"github.com/companionhub/companionhub/test/fakes/ntfyfake"
	"github.com/companionhub/companionhub/usecase/proactive"
)

func TestBackendDescriptor(t *testing.T) {
	t.Parallel()
	fake := ntfyfake.New(t, ntfyfake.WithToken(testToken))
	b := ntfy.Backend()
	assert.Equal(t, "ntfy", b.Name)
	own := ntfy.DefaultOptions()
	own.TopicKey = testTopicKey
	n := backendtest.Open(t, "notify", b, backend.Settings{Provider: "ntfy", BaseURL: fake.URL(), APIKey: testToken}, &own)
	require.NoError(t, n.Notify(t.Context(), notification()))
	require.Len(t, fake.Messages(), 1)
	addresser, ok := n.(proactive.Addresser)
	require.True(t, ok, "the ntfy notifier tells people where to subscribe")
	assert.Equal(t, fake.URL()+"/"+fake.Messages()[0].Topic, addresser.Address(userID, "ada"))
}

// TestBackendOptions: the backend's own settings reach the notifier.
func TestBackendOptions(t *testing.T) {
	t.Parallel()
	fake := ntfyfake.New(t)
	fake.Script(ntfyfake.Fail(500))
	cat := backend.NewCatalog("notify", ntfy.Backend())
	var cs backend.Configs
	cs.Set("notify", "ntfy", &ntfy.Options{TopicPrefix: "ch_", TopicKey: testTopicKey, Priority: 4, Attempts: 2, Backoff: time.Millisecond})
	s := backend.Settings{Provider: "ntfy", BaseURL: fake.URL(), Timeout: time.Minute}
	require.NoError(t, cat.Check(s, cs, "Notify", "Backends"))
	n, cleanup, err := cat.Open(t.Context(), s, cs, backend.Deps{HTTP: fake.Client()})
	require.NoError(t, err)
	t.Cleanup(cleanup)
	require.NoError(t, n.Notify(t.Context(), notification()))
	require.Len(t, fake.Requests(), 2, "the 500 was retried")
	msg := fake.Messages()[0]
	assert.Equal(t, "ch_beqqq5nm4xv4tspfr4jum5ndilpwpevj", msg.Topic, "the prefix and the keyed hash of the user id")
	assert.Equal(t, 4, msg.Priority)

	assert.Equal(t, ntfy.Options{TopicPrefix: "companionhub-", Priority: 3, Attempts: 4, Backoff: 500 * time.Millisecond},
		ntfy.DefaultOptions())
	for _, tc := range []struct {
		o     ntfy.Options
		field string
	}{
		{ntfy.Options{TopicPrefix: "hub-", Priority: 3, Attempts: 4, Backoff: time.Second}, "TopicKey"},
		{ntfy.Options{TopicPrefix: "hub-", TopicKey: "fifteen-bytes!!", Priority: 3, Attempts: 4, Backoff: time.Second}, "TopicKey"},
		{ntfy.Options{TopicPrefix: "hub/", Priority: 3, Attempts: 4, Backoff: time.Second}, "TopicPrefix"},
		{ntfy.Options{TopicPrefix: "hub ", Priority: 3, Attempts: 4, Backoff: time.Second}, "TopicPrefix"},
		{ntfy.Options{TopicPrefix: "a-prefix-of-thirty-three-characters", Priority: 3, Attempts: 4, Backoff: time.Second}, "TopicPrefix"},
		{ntfy.Options{TopicPrefix: "hub-", Priority: 0, Attempts: 4, Backoff: time.Second}, "Priority"},
		{ntfy.Options{TopicPrefix: "hub-", Priority: 6, Attempts: 4, Backoff: time.Second}, "Priority"},
		{ntfy.Options{TopicPrefix: "hub-", TopicKey: testTopicKey, Priority: 3, Attempts: 0, Backoff: time.Second}, "Attempts"},
		{ntfy.Options{TopicPrefix: "hub-", TopicKey: testTopicKey, Priority: 3, Attempts: 4, Backoff: 0}, "Backoff"},
	} {
		err := tc.o.Validate()
		require.Error(t, err, "%+v", tc.o)
		assert.Contains(t, err.Error(), tc.field+":")
	}
	assert.NoError(t, ntfy.Options{TopicPrefix: "a-prefix-of-thirty-two-characte", TopicKey: testTopicKey, Priority: 1, Attempts: 1, Backoff: time.Second}.Validate())
	assert.NoError(t, ntfy.Options{TopicPrefix: "", TopicKey: testTopicKey, Priority: 5, Attempts: 10, Backoff: time.Second}.Validate())
}

// TestBackendValidation: the settings are checked before the hub starts; a base URL and a token
// may be left out.
func TestBackendValidation(t *testing.T) {
	t.Parallel()
	validate := ntfy.Backend().Validate
	for _, tc := range []struct {
		name  string
		s     backend.Settings
		field string // "" when valid
	}{
		{"ntfy.sh without a token", backend.Settings{}, ""},
		{"a server of one's own with a token", backend.Settings{BaseURL: "https://push.example", APIKey: testToken}, ""},
		{"not a URL", backend.Settings{BaseURL: "push.example"}, "BaseURL"},
		{"credentials in the URL", backend.Settings{BaseURL: "https://u:hunter2@push.example"}, "BaseURL"},
		{"a query", backend.Settings{BaseURL: "https://push.example/?auth=hunter2"}, "BaseURL"},
		{"a token on two lines", backend.Settings{APIKey: secret.String(testToken + "\n")}, "APIKey"},
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
	_, err := ntfy.New(ntfy.Config{TopicPrefix: "x", Priority: 3, Attempts: 1, Backoff: time.Second}, nil)
	assert.Error(t, err, "New needs a timeout")
}
