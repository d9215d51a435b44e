package httpapi

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
)

func TestMergePatch(t *testing.T) {
	t.Parallel()
	doc := `{"name":"A","persona":{"quirks":["x"],"archetype":"Shy"},"card":{"extensions":{"b": 1,  "a":"<START> a & b"}},"tags":[]}`
	opaque := map[string]bool{"card.extensions": true}
	got, err := mergePatch([]byte(doc), []byte(`{"name":"B","persona":{"archetype":null},"tags":["t"]}`), opaque, 2)
	require.NoError(t, err)
	require.JSONEq(t, `{"name":"B","persona":{"quirks":["x"]},"card":{"extensions":{"b":1,"a":"<START> a & b"}},"tags":["t"]}`, string(got))
	require.Contains(t, string(got), `{"b":1,"a":"<START> a & b"}`, "untouched members keep their text: key order, no escaping")

	got, err = mergePatch([]byte(doc), []byte(`{"card":{"extensions":{"c":2}}}`), opaque, 2)
	require.NoError(t, err)
	var m struct {
		Card map[string]json.RawMessage `json:"card"`
	}
	require.NoError(t, json.Unmarshal(got, &m))
	require.JSONEq(t, `{"c":2}`, string(m.Card["extensions"]), "opaque members are replaced whole")

	got, err = mergePatch([]byte(doc), []byte(`"not an object"`), opaque, 2)
	require.NoError(t, err)
	require.Equal(t, `"not an object"`, string(got))
}

// A deeply nested patch is refused at once instead of being re-read at every level.
func TestMergePatchRefusesDeepNesting(t *testing.T) {
	t.Parallel()
	deep := strings.Repeat(`{"a":`, 5000) + "1" + strings.Repeat("}", 5000)
	_, err := mergePatch([]byte(`{}`), []byte(`{"persona":`+deep+`}`), nil, 2)
	require.Equal(t, domain.KindInvalid, domain.KindOf(err))
	require.Equal(t, "too_deep", domain.Violations(err)[0].Code)
}

// A null for a member the document does not have is kept, so the strict reading of the result
// refuses the unknown member instead of the patch silently accepting it.
func TestMergePatchKeepsNullsForUnknownMembers(t *testing.T) {
	t.Parallel()
	doc := `{"name":"A","persona":{"archetype":"Shy"}}`
	got, err := mergePatch([]byte(doc), []byte(`{"nope":null,"persona":{"evil":null,"archetype":null}}`), nil, 2)
	require.NoError(t, err)
	require.JSONEq(t, `{"name":"A","nope":null,"persona":{"evil":null}}`, string(got))
	var into struct {
		Name    string `json:"name"`
		Persona struct {
			Archetype string `json:"archetype"`
		} `json:"persona"`
	}
	var fields []string
	for _, v := range domain.Violations(decodeStrict(got, &into)) {
		fields = append(fields, v.Field+" "+v.Code)
	}
	require.Equal(t, []string{"nope unknown_field", "persona.evil unknown_field"}, fields)
}
