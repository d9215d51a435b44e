package core

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/usecase/usage"
)

func TestPriceTables(t *testing.T) {
	t.Parallel()
	p, err := parsePrices(strings.NewReader(`{"currency": " EUR ", "prices": [
		{"kind": "prompt_tokens", "provider": "openai", "model": "gpt-4o-mini", "per_million": 0.15},
		{"kind": "pictures", "per_unit": 0.04}]}`))
	require.NoError(t, err)
	require.Equal(t, usage.Prices{Currency: "EUR", Prices: []usage.Price{
		{Kind: usage.PromptTokens, Provider: "openai", Model: "gpt-4o-mini", PerMillion: 0.15},
		{Kind: usage.Pictures, PerUnit: 0.04}}}, p)
	for bad, says := range map[string]string{
		`{"prices": [{"kind": "gold", "per_unit": 1}]}`:      `kind "gold"`,
		`{"prices": [{"kind": "pictures", "per_unit": -1}]}`: "negative",
		`{"prices": [{"kind": "pictures", "cost": 1}]}`:      "unknown field",
		`{"prices": `: "unexpected EOF",
	} {
		_, err := parsePrices(strings.NewReader(bad))
		require.ErrorContains(t, err, says, bad)
	}
	_, err = loadPrices(t.TempDir() + "/none.json")
	require.ErrorContains(t, err, "COMPANIONHUB_PRICE_TABLE")
	p, err = loadPrices("")
	require.NoError(t, err)
	require.Zero(t, p)
}
