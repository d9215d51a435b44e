package httpapi

import (
	"bytes"
	"encoding/json"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/internal/companionjson"
)

// mergePatch applies a JSON merge patch (RFC 7396) to doc: members of the patch replace members of
// the document, null deletes, and objects merge recursively — except under the paths listed in
// opaque, whose values are replaced whole. One departure from the RFC: a null for a member the
// document does not have is kept (as null), not dropped, so that the strict reading of the result
// reports the member as unknown — a typo in a field name is an error even when the patch clears it. Members the patch does not mention keep their text
// (compacted: insignificant whitespace goes, key order and escapes stay), which is what keeps
// character-card data intact through an edit of a name.
//
// A patch that names a member twice in one object is refused (duplicate_field), as decodeStrict
// refuses it in any body: merging would keep only the last.
//
// Objects nest at most maxDepth deep in the documents patched here; a patch that nests deeper is
// refused before any work, since each level re-reads what is below it.
func mergePatch(doc, patch []byte, opaque map[string]bool, maxDepth int) ([]byte, error) {
	if json.Valid(patch) {
		var dup []domain.FieldViolation
		duplicateMembers("", patch, &dup)
		if len(dup) > 0 {
			return nil, domain.Invalid(dup...)
		}
	}
	return mergeAt("", 0, doc, patch, opaque, maxDepth)
}

func mergeAt(path string, depth int, doc, patch []byte, opaque map[string]bool, maxDepth int) ([]byte, error) {
	if !isObject(patch) {
		return patch, nil
	}
	if depth >= maxDepth {
		return nil, domain.Invalid(domain.Violation(path, "too_deep", "the patch nests deeper than the document"))
	}
	var d, p map[string]json.RawMessage
	if isObject(doc) {
		if err := json.Unmarshal(doc, &d); err != nil {
			return nil, domain.Errorf(domain.KindInternal, "merge patch: document: %w", err)
		}
	}
	if d == nil {
		d = map[string]json.RawMessage{}
	}
	if err := json.Unmarshal(patch, &p); err != nil {
		return nil, domain.E(domain.KindInvalid, "malformed_json", "the patch is not a JSON object")
	}
	for k, v := range p {
		child := k
		if path != "" {
			child = path + "." + k
		}
		switch {
		case bytes.Equal(bytes.TrimSpace(v), []byte("null")):
			if _, ok := d[k]; ok {
				delete(d, k)
			} else {
				d[k] = v
			}
		case opaque[child]:
			d[k] = v
		default:
			merged, err := mergeAt(child, depth+1, d[k], v, opaque, maxDepth)
			if err != nil {
				return nil, err
			}
			d[k] = merged
		}
	}
	return companionjson.Marshal(d)
}

func isObject(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 0 && b[0] == '{'
}
