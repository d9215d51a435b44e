package core

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/companionhub/companionhub/usecase/usage"
)

// priceTableJSON is the price table file COMPANIONHUB_PRICE_TABLE names: {"currency": "USD",
// "prices": [{"kind": "prompt_tokens", "provider": "openai", "model": "gpt-4o-mini",
// "per_million": 0.15}, …]} (the README documents it).
type priceTableJSON struct {
	Currency string      `json:"currency"`
	Prices   []priceJSON `json:"prices"`
}

type priceJSON struct {
	Kind       string  `json:"kind"`
	Provider   string  `json:"provider,omitempty"`
	Model      string  `json:"model,omitempty"`
	PerUnit    float64 `json:"per_unit,omitempty"`
	PerMillion float64 `json:"per_million,omitempty"`
}

// parsePrices reads a price table.
func parsePrices(r io.Reader) (usage.Prices, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var t priceTableJSON
	if err := dec.Decode(&t); err != nil {
		return usage.Prices{}, err
	}
	p := usage.Prices{Currency: strings.TrimSpace(t.Currency)}
	for _, pr := range t.Prices {
		p.Prices = append(p.Prices, usage.Price{Kind: usage.Kind(pr.Kind), Provider: pr.Provider, Model: pr.Model,
			PerUnit: pr.PerUnit, PerMillion: pr.PerMillion})
	}
	return p, p.Validate()
}

// loadPrices reads the price table file named (none: no prices).
func loadPrices(name string) (usage.Prices, error) {
	if name == "" {
		return usage.Prices{}, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return usage.Prices{}, fmt.Errorf("%sPRICE_TABLE: %w", EnvPrefix, err)
	}
	defer f.Close()
	p, err := parsePrices(f)
	if err != nil {
		return usage.Prices{}, fmt.Errorf("%sPRICE_TABLE %s: %w", EnvPrefix, name, err)
	}
	return p, nil
}
