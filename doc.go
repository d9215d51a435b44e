// Package companionhub is the batteries-included façade of Companion Hub, a self-hostable platform
// for persistent AI companions.
//
// A team embedding the hub fills in a [Config] (start from [DefaultConfig]) and calls [New] to get
// a working [Hub]: its HTTP handler, its use cases, and a Run method that serves until the context
// ends. The binary in cmd/companionhub is exactly that, plus flags and environment variables bound
// to the same Config. [NewWorker] builds the Temporal worker that runs turns for hubs with
// TURN_RUNNER=temporal.
//
// This package links every backend the project ships — the OpenAI-compatible model, Redis,
// Temporal, S3 — and chooses among them by configuration. An embedder that brings its own ports
// and wants none of those SDKs builds from the lean core package instead ([core.New] with
// [core.WithModel], [core.WithImageGenerator], …): the same hub, without the batteries.
//
// The layers underneath are importable on their own: domain (the model), usecase/… (application
// services and the ports they consume), adapter/… (one package per technology), backend (how a
// provider describes itself to a catalogue), envflag (configuration binding), and test/contract/…
// (the conformance suite of every port, for adapters written outside this module). See
// ARCHITECTURE.md.
package companionhub
