package companion_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/charcard"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
)

func TestExportThenImportGivesTheSamePersona(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner := e.user(t)
	ctx := context.Background()
	c := e.create(t, owner)
	c, err := e.app.SetHeader.Handle(ctx, companionuc.SetHeader{OwnerID: owner, ID: c.ID(), Image: pngImage(t, 300, 200), Meta: meta})
	require.NoError(t, err)

	for _, tc := range []struct {
		spec   companionuc.CardSpec
		format companionuc.CardFormat
	}{{companionuc.CardV2, companionuc.CardPNG}, {companionuc.CardV3, companionuc.CardPNG},
		{companionuc.CardV2, companionuc.CardJSON}, {companionuc.CardV3, companionuc.CardJSON}} {
		out, err := e.app.ExportCard.Handle(ctx, companionuc.ExportCard{OwnerID: owner, ID: c.ID(), Spec: tc.spec, Format: tc.format,
			IncludePrivate: true})
		require.NoError(t, err)
		if tc.format == companionuc.CardPNG {
			require.Equal(t, "image/png", out.ContentType)
			require.True(t, bytes.HasPrefix(out.Data, []byte("\x89PNG")))
		} else {
			require.Equal(t, "application/json", out.ContentType)
			require.True(t, json.Valid(out.Data))
		}
		require.Contains(t, out.FileName, "Mira_Vale")

		imported, err := e.app.ImportCard.Handle(ctx, companionuc.ImportCard{OwnerID: owner, Data: out.Data, Meta: meta})
		require.NoError(t, err, "%s %s", tc.spec, tc.format)
		require.NotEqual(t, c.ID(), imported.Companion.ID())
		require.Equal(t, c.Profile().Spec(), imported.Companion.Profile().Spec(), "%s %s: the same persona", tc.spec, tc.format)
		if tc.format == companionuc.CardPNG {
			require.False(t, imported.Companion.Header().IsZero(), "the card's picture became the header")
			require.NotEqual(t, c.Header().Key, imported.Companion.Header().Key, "its own file")
		}
	}
}

// cardText is everything a card file says, as JSON text (a PNG card's chunks are base64).
func cardText(t *testing.T, data []byte) string {
	t.Helper()
	card, err := charcard.New().Decode(context.Background(), data)
	require.NoError(t, err)
	card.Image = nil
	b, err := json.Marshal(card)
	require.NoError(t, err)
	return string(b)
}

func TestExportsLeaveTheOwnerOutUnlessAsked(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner := e.user(t)
	ctx := context.Background()
	c := e.create(t, owner)
	private := []string{fullSpec().UserAppearance, fullSpec().Persona.CustomInstruction}
	shared := fullSpec()
	shared.UserAppearance, shared.Persona.CustomInstruction = "", ""

	for _, tc := range []struct {
		spec   companionuc.CardSpec
		format companionuc.CardFormat
	}{{companionuc.CardV2, companionuc.CardPNG}, {companionuc.CardV3, companionuc.CardJSON}} {
		out, err := e.app.ExportCard.Handle(ctx, companionuc.ExportCard{OwnerID: owner, ID: c.ID(), Spec: tc.spec, Format: tc.format})
		require.NoError(t, err)
		for _, p := range private {
			require.NotContains(t, cardText(t, out.Data), p, "%s %s: nothing about the owner leaves by default", tc.spec, tc.format)
		}
		imported, err := e.app.ImportCard.Handle(ctx, companionuc.ImportCard{OwnerID: owner, Data: out.Data, Meta: meta})
		require.NoError(t, err)
		require.Equal(t, shared, imported.Companion.Profile().Spec(), "%s %s: the character travels whole", tc.spec, tc.format)

		out, err = e.app.ExportCard.Handle(ctx, companionuc.ExportCard{OwnerID: owner, ID: c.ID(), Spec: tc.spec, Format: tc.format,
			IncludePrivate: true})
		require.NoError(t, err)
		for _, p := range private {
			require.Contains(t, cardText(t, out.Data), p, "%s %s: the owner opted in", tc.spec, tc.format)
		}
	}
	require.Equal(t, shared, c.Profile().Shareable().Spec(), "one rule for every way a companion is shared")
}

const foreignV2 = `{"spec":"chara_card_v2","spec_version":"2.0","data":{"name":"Seraphina","description":"A forest guardian.",
"personality":"kind","scenario":"A glade","first_mes":"Welcome, traveller.","mes_example":"","creator_notes":"",
"system_prompt":"","post_history_instructions":"","alternate_greetings":["Oh, hello."],"tags":["fantasy"],
"creator":"someone","character_version":"1.0","extensions":{"talkativeness":"0.5","fav":false}}}`

func TestForeignCardsNeedAnAdultAge(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner := e.user(t)
	ctx := context.Background()
	_, err := e.app.ImportCard.Handle(ctx, companionuc.ImportCard{OwnerID: owner, Data: []byte(foreignV2), Meta: meta})
	require.Equal(t, domain.Violation("age", "required", ""), ageViolation(t, err), "a missing age is missing, not too young")
	_, err = e.app.ImportCard.Handle(ctx, companionuc.ImportCard{OwnerID: owner, Data: []byte(foreignV2), Age: 16, Meta: meta})
	require.Equal(t, "too_young", domain.Violations(err)[0].Code)

	res, err := e.app.ImportCard.Handle(ctx, companionuc.ImportCard{OwnerID: owner, Data: []byte(foreignV2), Age: 120,
		ContentRating: companion.RatingGeneral, Meta: meta})
	require.NoError(t, err)
	spec := res.Companion.Profile().Spec()
	require.Equal(t, "Seraphina", spec.Name)
	require.Equal(t, 120, spec.Age)
	require.Equal(t, "A forest guardian.", spec.Persona.Description)
	require.Equal(t, "Welcome, traveller.", spec.Greeting)
	require.Equal(t, []string{"Oh, hello."}, spec.AlternateGreetings)
	require.JSONEq(t, `{"talkativeness":"0.5","fav":false}`, string(spec.Card.Extensions))
	require.JSONEq(t, `{"creator":"someone","character_version":"1.0"}`, string(spec.Card.Extra))

	// Its extensions and unknown fields survive export (the hub adds only its own namespace).
	out, err := e.app.ExportCard.Handle(ctx, companionuc.ExportCard{OwnerID: owner, ID: res.Companion.ID(),
		Spec: companionuc.CardV2, Format: companionuc.CardJSON})
	require.NoError(t, err)
	var exported map[string]any
	require.NoError(t, json.Unmarshal(out.Data, &exported))
	data := exported["data"].(map[string]any)
	ext := data["extensions"].(map[string]any)
	require.Contains(t, ext, "companionhub")
	delete(ext, "companionhub")
	var original map[string]any
	require.NoError(t, json.Unmarshal([]byte(foreignV2), &original))
	require.Equal(t, original, exported, "everything the card brought comes back")
}

// ageViolation is err's violation of the age field, without its message.
func ageViolation(t *testing.T, err error) domain.FieldViolation {
	t.Helper()
	for _, v := range domain.Violations(err) {
		if v.Field == "age" {
			v.Message = ""
			return v
		}
	}
	require.Fail(t, "no age violation", "%v", err)
	return domain.FieldViolation{}
}

// minorCard is a V2 card that states its character's age: in the hub's own extension, as an explicit
// data.age, or both.
func minorCard(hubAge int, dataAge string) []byte {
	data := map[string]any{"name": "Kit", "description": "A character.", "extensions": map[string]any{}}
	if hubAge != 0 {
		data["extensions"] = map[string]any{"companionhub": map[string]any{"name": "Kit", "age": hubAge}}
	}
	if dataAge != "" {
		data["age"] = json.RawMessage(dataAge)
	}
	b, _ := json.Marshal(map[string]any{"spec": "chara_card_v2", "spec_version": "2.0", "data": data})
	return b
}

func TestACardsStatedAgeWinsOverTheAskedOne(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner := e.user(t)
	ctx := context.Background()
	for name, card := range map[string][]byte{
		"hub extension":       minorCard(16, ""),
		"data.age number":     minorCard(0, "17"),
		"data.age fraction":   minorCard(0, "17.9"),
		"data.age text":       minorCard(0, `"16 years old"`),
		"younger of the two":  minorCard(30, `"15"`),
		"hub extension minor": minorCard(12, "40"),
		"a list's age":        minorCard(0, `[15]`),
		"a list's youngest":   minorCard(0, `["30", 15]`),
		"full-width digits":   minorCard(0, `"１５"`),
		"Arabic-Indic digits": minorCard(0, `"١٥ سنة"`),
		"many digits":         minorCard(12, `"99999999999999999999999"`),
	} {
		_, err := e.app.ImportCard.Handle(ctx, companionuc.ImportCard{OwnerID: owner, Data: card, Age: 30, Meta: meta})
		require.Equal(t, domain.Violation("age", "too_young", ""), ageViolation(t, err), name)
	}
	page, err := e.app.List.Handle(ctx, companionuc.List{OwnerID: owner, Page: domain.Page{Limit: 10}})
	require.NoError(t, err)
	require.Empty(t, page.Items, "no stated minor was imported")

	res, err := e.app.ImportCard.Handle(ctx, companionuc.ImportCard{OwnerID: owner, Data: minorCard(40, ""), Age: 30, Meta: meta})
	require.NoError(t, err)
	require.Equal(t, 40, res.Companion.Profile().Age(), "the card's adult age is the character's")
	res, err = e.app.ImportCard.Handle(ctx, companionuc.ImportCard{OwnerID: owner, Data: minorCard(0, `"ageless"`), Age: 30, Meta: meta})
	require.NoError(t, err)
	require.Equal(t, 30, res.Companion.Profile().Age(), "an age the card does not state is the caller's")
	_, err = e.app.ImportCard.Handle(ctx, companionuc.ImportCard{OwnerID: owner, Data: minorCard(0, `"ageless"`), Meta: meta})
	require.Equal(t, domain.Violation("age", "required", ""), ageViolation(t, err))
}

// The card's age is read under any key that says "age"; an age that is there but cannot be read as a
// number is refused rather than replaced by the asked one — only a few words say "no age given".
func TestACardsStatedAgeIsReadRobustly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner := e.user(t)
	ctx := context.Background()
	withData := func(members string) []byte {
		return []byte(`{"spec":"chara_card_v2","spec_version":"2.0","data":{"name":"Kit","description":"A character.",` + members + `}}`)
	}
	for members, want := range map[string]domain.FieldViolation{
		`"Age":15`:                    domain.Violation("age", "too_young", ""),
		`"AGE":"15"`:                  domain.Violation("age", "too_young", ""),
		`"ａｇｅ":15`:                    domain.Violation("age", "too_young", ""),
		`"age":30,"Age":15`:           domain.Violation("age", "too_young", ""),
		`"age":"fifteen"`:             domain.Violation("age", "invalid", ""),
		`"age":"十五"`:                  domain.Violation("age", "invalid", ""),
		`"age":true`:                  domain.Violation("age", "invalid", ""),
		`"age":{"years":15}`:          domain.Violation("age", "invalid", ""),
		`"age":["unknown","fifteen"]`: domain.Violation("age", "invalid", ""),
	} {
		_, err := e.app.ImportCard.Handle(ctx, companionuc.ImportCard{OwnerID: owner, Data: withData(members), Age: 30, Meta: meta})
		require.Equal(t, want, ageViolation(t, err), members)
	}
	// An age beside the data object (a V2/V3 card's top level) is stated too.
	top := []byte(`{"spec":"chara_card_v2","spec_version":"2.0","age":15,"data":{"name":"Kit","description":"A character."}}`)
	_, err := e.app.ImportCard.Handle(ctx, companionuc.ImportCard{OwnerID: owner, Data: top, Age: 30, Meta: meta})
	require.Equal(t, domain.Violation("age", "too_young", ""), ageViolation(t, err), "top level")
	for members, want := range map[string]int{
		`"Age":"１９ years"`:  19,
		`"age":" Unknown "`: 30,
		`"age":null`:        30,
		`"age":[]`:          30,
		`"age":"n/a"`:       30,
	} {
		res, err := e.app.ImportCard.Handle(ctx, companionuc.ImportCard{OwnerID: owner, Data: withData(members), Age: 30, Meta: meta})
		require.NoError(t, err, members)
		require.Equal(t, want, res.Companion.Profile().Age(), members)
	}
}

func TestBrokenCardsCreateNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner := e.user(t)
	ctx := context.Background()
	for _, bad := range [][]byte{[]byte("not a card"), []byte(`{"spec":"chara_card_v2","data":"x"}`), pngImage(t, 8, 8),
		[]byte("\x89PNG\r\n\x1a\n\x00\x00")} {
		_, err := e.app.ImportCard.Handle(ctx, companionuc.ImportCard{OwnerID: owner, Data: bad, Age: 30, Meta: meta})
		requireKind(t, err, domain.KindInvalid)
	}
	page, err := e.app.List.Handle(ctx, companionuc.List{OwnerID: owner, Page: domain.Page{Limit: 10}})
	require.NoError(t, err)
	require.Empty(t, page.Items)
	require.Zero(t, e.blobCount(t))
}
