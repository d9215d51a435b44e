package httpapi

import (
	"strings"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/internal/companionjson"
)

// profileFromJSON reads a profile document strictly and reports every mistake in it at once: members
// the document has no place for and values of the wrong type (decodeStrict), and what the profile's
// own rules refuse in the members that were well-formed (companion.NewProfile) — except about a
// field already reported, which would only say the same thing twice.
func profileFromJSON(data []byte) (companion.ProfileSpec, error) {
	var doc companionjson.Profile
	shapeErr := decodeStrict(data, &doc)
	if shapeErr == nil {
		return doc.Spec()
	}
	shape := domain.Violations(shapeErr)
	if len(shape) == 0 {
		return companion.ProfileSpec{}, shapeErr // not JSON at all
	}
	spec, err := doc.Spec()
	if err == nil {
		_, err = companion.NewProfile(spec)
	}
	for _, v := range domain.Violations(err) {
		if !reported(shape, v.Field) {
			shape = append(shape, v)
		}
	}
	return companion.ProfileSpec{}, domain.Invalid(shape...)
}

// reported reports whether field, or a field it is part of, already has a violation.
func reported(vs []domain.FieldViolation, field string) bool {
	for _, v := range vs {
		if field == v.Field || strings.HasPrefix(field, v.Field+".") || strings.HasPrefix(field, v.Field+"[") {
			return true
		}
	}
	return false
}
