// Package chat holds the chat turn (SPEC §3.3): sending a message, the pipeline that answers it —
// its steps, their policies and their order, written once and run by any Executor (in-process or
// Temporal) — and the conversation's history, alternatives and edits.
//
// The package orchestrates. What pictures, voice and memory do is theirs (usecase/picture,
// usecase/voice, usecase/memory): a turn calls their use cases through the narrow handlers in
// ports.go and never sees a provider. How events are written down for clients is a transport's
// (eventjson), and what the steps notice along the way is reported to an Observer.
//
// Files: one per use case (send.go, regenerate.go, …), one per step (step_analyze.go, …).
package chat
