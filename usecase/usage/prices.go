package usage

import "fmt"

// Price is what one unit of a kind costs, for a provider and model ("": any).
type Price struct {
	Kind            Kind
	Provider, Model string
	PerUnit         float64
	// PerMillion is the price of a million units (how token prices are quoted); added to PerUnit.
	PerMillion float64
}

// of is what amount costs at p.
func (p Price) of(amount int64) float64 {
	return float64(amount)*p.PerUnit + float64(amount)*p.PerMillion/1e6
}

// Prices turn counted usage into cost. The zero value prices nothing (every cost is 0).
type Prices struct {
	Currency string
	Prices   []Price
}

// Validate refuses a price of no known kind, or below zero.
func (p Prices) Validate() error {
	for i, pr := range p.Prices {
		if !pr.Kind.Valid() {
			return fmt.Errorf("price %d: kind %q is none of %v", i+1, pr.Kind, Kinds())
		}
		if pr.PerUnit < 0 || pr.PerMillion < 0 {
			return fmt.Errorf("price %d: a price is not negative", i+1)
		}
	}
	return nil
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
