// Package providerhttp holds what the adapters that call a provider over HTTP — the language
// model (adapter/openai) and the image backends (adapter/a1111, adapter/comfyui,
// adapter/openaiimages) — would otherwise each write again: checking a base URL and a key,
// building and reading bounded requests, telling a call its context stopped from one that failed,
// reading Retry-After and an OpenAI-style error body, and keeping credentials out of error text.
//
// It holds mechanisms, not policy: every adapter keeps its own errors (their kinds, reasons and
// client-safe messages) and its own table from statuses to them, because those differ with what
// each provider's answers mean. Adapters never import each other; this leaf package is where
// their common code lives instead.
package providerhttp
