// Package domain holds the model and the rules of Companion Hub: values that are valid by
// construction, the aggregates built from them, and the error kinds every layer speaks.
//
// It imports only the standard library (an architecture test enforces this). Subpackages hold one
// area each (account, audit, …); this package holds what they share: [Error] and [Kind], and [ID].
package domain
