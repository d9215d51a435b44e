// Package wiresets proves the Wire provider set of every adapter: each is composed into a small
// injector here (wire.go → wire_gen.go, checked for drift by `make wire-check`), and the tests
// build each port through it. The hub itself chooses most of these adapters at run time from
// configuration (see the backend package), which Wire cannot do; the sets are for embedders who
// compose their own injectors, and this package keeps them working.
package wiresets
