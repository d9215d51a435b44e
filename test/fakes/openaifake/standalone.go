package openaifake

import "testing"

// Standalone is the testing.TB New asks for, outside a test — a benchmark, a program that serves the
// fake: it keeps the clean-ups the fakes register, and Close runs them (which stops their paced
// answers at once). New calls only Helper and Cleanup; any other method hits the nil embedded TB
// and panics, the loudest way to learn that this changed.
type Standalone struct {
	testing.TB
	fns []func()
}

func (s *Standalone) Helper()          {}
func (s *Standalone) Cleanup(f func()) { s.fns = append(s.fns, f) }

// Close runs the clean-ups, last registered first.
func (s *Standalone) Close() {
	for i := len(s.fns) - 1; i >= 0; i-- {
		s.fns[i]()
	}
	s.fns = nil
}
