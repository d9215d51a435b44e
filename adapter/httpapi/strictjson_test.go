package httpapi

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/internal/companionjson"
)

// Every refused member is reported at once, under its full path, in JSON's words.
func TestDecodeStrictReportsEveryFieldInJSONTerms(t *testing.T) {
	t.Parallel()
	body := `{"name":5,"age":"26","persona":{"evil":1,"quirks":"x","interests":["a",2]},"Name":"x",
		"appearance":[],"voice":{"enabled":"yes"},"tags":{"a":1},"card":{"extensions":{"any":[1,{"x":null}]}},
		"greeting":"hi"}`
	var doc companionjson.Profile
	err := decodeStrict([]byte(body), &doc)
	require.Equal(t, domain.KindInvalid, domain.KindOf(err))
	got := map[string]string{}
	for _, v := range domain.Violations(err) {
		got[v.Field] = v.Code + ": " + v.Message
		for _, goName := range []string{"of type", "int", "bool", "[]", "float", "struct", "map["} {
			require.NotContains(t, v.Message, goName, "%s: no Go type names", v.Field)
		}
	}
	require.Equal(t, map[string]string{
		"name":                 "type: must be a string",
		"age":                  "type: must be a number",
		"persona.evil":         "unknown_field: this field is not accepted here",
		"persona.quirks":       "type: must be a list",
		"persona.interests[1]": "type: must be a string",
		"Name":                 "unknown_field: this field is not accepted here",
		"appearance":           "type: must be an object",
		"voice.enabled":        "type: must be true or false",
		"tags":                 "type: must be a list",
	}, got)
	require.Equal(t, "hi", doc.Greeting, "the members that were right are still read")
	require.Equal(t, []string{"a", ""}, doc.Persona.Interests)

	require.NoError(t, decodeStrict([]byte(`{"name":"Mira","age":26,"persona":null,"card":{"top":{"x":[]}}}`), &doc))
	require.Equal(t, 26, doc.Age)

	for body, want := range map[string]string{
		`{"age":26.5}`:                 "age type: must be a whole number",
		`{"age":1e400}`:                "age type: must be a whole number",
		`{"age":99999999999999999999}`: "age out_of_range: is out of range",
		`[]`:                           "body type: must be an object",
	} {
		v := domain.Violations(decodeStrict([]byte(body), &companionjson.Profile{}))
		require.Len(t, v, 1, body)
		require.Equal(t, want, v[0].Field+" "+v[0].Code+": "+v[0].Message, body)
	}
	err = decodeStrict([]byte(`{"name":`), &doc)
	require.Equal(t, "malformed_json", domain.AsError(err).Reason)
}

// A profile's shape errors and its rules' violations come in one answer; a field is not reported
// twice (a mistyped age is not also too young).
func TestProfileFromJSONReportsEveryViolation(t *testing.T) {
	t.Parallel()
	_, err := profileFromJSON([]byte(`{"name":"","age":"x","persona":{"evil":null,"quirks":["` +
		strings.Repeat("q", 101) + `"]},"appearance":{"style":"oil"}}`))
	got := map[string]string{}
	for _, v := range domain.Violations(err) {
		got[v.Field] = v.Code
	}
	require.Equal(t, map[string]string{"age": "type", "persona.evil": "unknown_field", "name": "required",
		"persona.quirks[0]": "too_long", "appearance.style": "one_of"}, got)
}

// A member named twice is refused wherever it is — top level, nested, in opaque card data, in a merge
// patch — never read as the last one; a null is no item of a list of strings.
func TestDecodeStrictRefusesDuplicateMembersAndNullItems(t *testing.T) {
	t.Parallel()
	for body, want := range map[string][]string{
		`{"name":"A","age":15,"age":24}`:                            {"age duplicate_field"},
		`{"persona":{"quirks":["a"],"quirks":["b"]}}`:               {"persona.quirks duplicate_field"},
		`{"card":{"extensions":{"x":[{"k":1,"k":2}]}}}`:             {"card.extensions.x[0].k duplicate_field"},
		`{"name":"A","persona":{"quirks":["a",null]}}`:              {"persona.quirks[1] type"},
		`{"name":"A","name":"A","persona":{"likes":{"a":1,"a":1}}}`: {"name duplicate_field", "persona.likes.a duplicate_field", "persona.likes unknown_field"},
	} {
		var got []string
		for _, v := range domain.Violations(decodeStrict([]byte(body), &companionjson.Profile{})) {
			got = append(got, v.Field+" "+v.Code)
		}
		require.Equal(t, want, got, body)
	}
	v := domain.Violations(decodeStrict([]byte(`{"persona":{"quirks":["a",null]}}`), &companionjson.Profile{}))
	require.Equal(t, "must be a string", v[0].Message)
	require.NoError(t, decodeStrict([]byte(`{"name":"A","card":{"extensions":{"x":[null,{"k":null}]}}}`), &companionjson.Profile{}),
		"null stays a value where any JSON is")

	_, err := mergePatch([]byte(`{"name":"A"}`), []byte(`{"persona":{"style":"a","style":"b"}}`), nil, 8)
	require.Equal(t, []domain.FieldViolation{domain.Violation("persona.style", "duplicate_field", "this field is given more than once")},
		domain.Violations(err))
}

// A hostile body costs work in proportion to its length and is answered in a bounded size: nesting
// beyond maxJSONDepth is refused where it starts (fifty lists 9 990 deep once took seconds and
// gigabytes to trace paths through), and a body of countless mistakes is answered with the first hundred.
func TestDecodeStrictBoundsHostileBodies(t *testing.T) {
	t.Parallel()
	// encoding/json refuses more than 10 000 levels as invalid; below that, many deep lists.
	one := strings.Repeat("[", 9990) + strings.Repeat("]", 9990)
	deep := `{"identifier":[` + strings.Repeat(one+",", 50) + one + `]}`
	var login loginRequest
	v := domain.Violations(decodeStrict([]byte(deep), &login))
	require.Len(t, v, 1)
	require.Equal(t, "too_deep", v[0].Code)
	require.Equal(t, "identifier"+strings.Repeat("[0]", maxJSONDepth-1), v[0].Field, "where it got too deep")
	_, err := mergePatch([]byte(`{}`), []byte(deep), nil, 8)
	require.Equal(t, "too_deep", domain.Violations(err)[0].Code, "merge patches too")

	dups := `{"identifier":"a"` + strings.Repeat(`,"password":"b"`, 150_000) + `}`
	v = domain.Violations(decodeStrict([]byte(dups), &login))
	require.Len(t, v, maxViolations+1)
	require.Equal(t, "duplicate_field", v[0].Code)
	require.Equal(t, "password", v[0].Field)
	require.Equal(t, domain.Violation("body", "too_many_errors", "149899 more mistakes are not listed; fix these first"), v[maxViolations])

	// Deep but allowed: paths are still spelled out where a duplicate is.
	nested := `{"identifier":[[{"a":1,"a":2}]]}`
	v = domain.Violations(decodeStrict([]byte(nested), &struct {
		Identifier any `json:"identifier"`
	}{}))
	require.Len(t, v, 1)
	require.Equal(t, "identifier[0][0].a", v[0].Field)
}
