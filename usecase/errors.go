package usecase

import "github.com/companionhub/companionhub/domain"

// ErrNotConfigured is what a feature without a provider says (pictures with no image backend,
// voice with no synthesizer, memory with no store). A turn treats it as "skip this step": a missing
// feature never costs a reply.
var ErrNotConfigured = domain.E(domain.KindUnavailable, "not_configured", "this feature is not configured on this hub")
