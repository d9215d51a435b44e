package prom

import "github.com/prometheus/client_golang/prometheus"

// RegisterHashQueue exports the password hasher's queue — the first sign of a login flood, or of
// too few hashing slots for the load — as two gauges read from stats when scraped.
func RegisterHashQueue(reg prometheus.Registerer, stats func() (running, waiting int)) error {
	gauges := []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "companionhub", Subsystem: "password_hash", Name: "running",
			Help: "Password hashes being computed."}, func() float64 { r, _ := stats(); return float64(r) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "companionhub", Subsystem: "password_hash", Name: "waiting",
			Help: "Password hashes waiting for a hashing slot."}, func() float64 { _, w := stats(); return float64(w) }),
	}
	for _, g := range gauges {
		if err := reg.Register(g); err != nil {
			return err
		}
	}
	return nil
}
