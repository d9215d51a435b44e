// Package companionhub is the embedding façade of Companion Hub, a self-hostable platform for
// persistent AI companions.
//
// A team embedding the hub fills in a [Config] (start from [DefaultConfig]) and calls [New] to get a
// working [Hub]: its HTTP handler, its use cases, and a Run method that serves until the context
// ends. The binary in cmd/companionhub is exactly that, plus flags and environment variables bound
// to the same Config.
//
// The layers underneath are importable on their own: domain (the model), usecase/… (application
// services and the ports they consume), adapter/… (one package per technology), and
// test/contract/… (the conformance suite of every port, for adapters written outside this module).
// See ARCHITECTURE.md.
package companionhub
