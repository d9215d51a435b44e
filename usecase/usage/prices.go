package usage

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Price is what one unit of a kind costs, for a provider and model ("": any).
type Price struct {
	Kind     Kind    `json:"kind"`
	Provider string  `json:"provider,omitempty"`
	Model    string  `json:"model,omitempty"`
	PerUnit  float64 `json:"per_unit,omitempty"`
	// PerMillion is the price of a million units (how token prices are quoted); added to PerUnit.
	PerMillion float64 `json:"per_million,omitempty"`
}

// of is what amount costs at p.
func (p Price) of(amount int64) float64 {
	return float64(amount)*p.PerUnit + float64(amount)*p.PerMillion/1e6
}

// Prices turn counted usage into cost. The zero value prices nothing (every cost is 0).
type Prices struct {
	Currency string  `json:"currency"`
	Prices   []Price `json:"prices"`
}

// ParsePrices reads a price table: {"currency": "USD", "prices": [{"kind": "prompt_tokens",
// "provider": "openai", "model": "gpt-4o-mini", "per_million": 0.15}, …]}.
func ParsePrices(r io.Reader) (Prices, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var p Prices
	if err := dec.Decode(&p); err != nil {
		return Prices{}, fmt.Errorf("price table: %w", err)
	}
	for i, pr := range p.Prices {
		if !pr.Kind.Valid() {
			return Prices{}, fmt.Errorf("price table: price %d: kind %q is none of %v", i+1, pr.Kind, Kinds())
		}
		if pr.PerUnit < 0 || pr.PerMillion < 0 {
			return Prices{}, fmt.Errorf("price table: price %d: a price is not negative", i+1)
		}
	}
	p.Currency = strings.TrimSpace(p.Currency)
	return p, nil
}

// Cost is what amount of k costs: the price of its kind, provider and model, else of its kind
// and provider, else of its kind alone; 0 when none is listed.
func (p Prices) Cost(k Key, amount int64) float64 {
	var best *Price
	rank := 0
	for i, pr := range p.Prices {
		if pr.Kind != k.Kind || (pr.Provider != "" && pr.Provider != k.Provider) || (pr.Model != "" && pr.Model != k.Model) {
			continue
		}
		r := 1
		if pr.Provider != "" {
			r += 2
		}
		if pr.Model != "" {
			r++
		}
		if r > rank {
			best, rank = &p.Prices[i], r
		}
	}
	if best == nil {
		return 0
	}
	return best.of(amount)
}
