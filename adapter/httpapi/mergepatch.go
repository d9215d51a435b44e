package httpapi

import (
	"bytes"
	"encoding/json"

	"github.com/companionhub/companionhub/domain"
)

// mergePatch applies a JSON merge patch (RFC 7396) to doc: members of the patch replace members of
// the document, null deletes, and objects merge recursively — except under the paths listed in
// opaque, whose values are replaced whole. Members the patch does not mention keep their exact
// bytes, which is what keeps character-card data byte-for-byte through an edit of a name.
func mergePatch(doc, patch []byte, opaque map[string]bool) ([]byte, error) {
	return mergeAt("", doc, patch, opaque)
}

func mergeAt(path string, doc, patch []byte, opaque map[string]bool) ([]byte, error) {
	if !isObject(patch) {
		return patch, nil
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
			delete(d, k)
		case opaque[child]:
			d[k] = v
		default:
			merged, err := mergeAt(child, d[k], v, opaque)
			if err != nil {
				return nil, err
			}
			d[k] = merged
		}
	}
	return json.Marshal(d)
}

func isObject(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 0 && b[0] == '{'
}
