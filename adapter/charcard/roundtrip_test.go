package charcard

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ct "github.com/companionhub/companionhub/test/contract/cardcodectest"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
)

// TestRoundTripSameSpec is the lossless promise: a card imported and exported in the same spec
// gives back the same JSON — through a JSON file, and through a PNG of our own making.
func TestRoundTripSameSpec(t *testing.T) {
	for _, tc := range []struct {
		file string
		spec companionuc.CardSpec
	}{{"v2.json", companionuc.CardV2}, {"v3.json", companionuc.CardV3}} {
		t.Run(tc.file, func(t *testing.T) {
			in := readTestdata(t, tc.file)
			card := mustDecode(t, in)
			require.Equal(t, tc.spec, card.Spec)
			require.Empty(t, card.Warnings)
			ct.AssertJSONEqual(t, in, mustEncode(t, card, tc.spec, companionuc.CardJSON, nil), "JSON → JSON")

			// A PNG is read from its ccv3 chunk, so it comes back as V3 — yet it brings nothing the
			// original lacked: the empty members V3 requires are written by every export, not carried.
			viaPNG := mustDecode(t, mustEncode(t, card, tc.spec, companionuc.CardPNG, ct.Picture(t, 3, 3)))
			assert.Equal(t, companionuc.CardV3, viaPNG.Spec)
			ct.AssertJSONEqual(t, in, mustEncode(t, viaPNG, tc.spec, companionuc.CardJSON, nil), "JSON → PNG → JSON")
		})
	}

	// Top is verbatim even where it disagrees with data: a stale V1 copy of the name stays stale.
	in := []byte(strings.Replace(string(readTestdata(t, "v2.json")), `"name": "Captain Vex",`, `"name": "Old Vex",`, 1))
	card := mustDecode(t, in)
	require.Equal(t, "Captain Vex", card.Name)
	ct.AssertJSONEqual(t, in, mustEncode(t, card, companionuc.CardV2, companionuc.CardJSON, nil))
}

// TestRoundTripSillyTavernV3 checks that a V2-shaped "V3" reads with one warning and exports as a
// proper V3: the same document plus the one field V3 requires, nothing else invented.
func TestRoundTripSillyTavernV3(t *testing.T) {
	in := readTestdata(t, "v3_sillytavern.json")
	card := mustDecode(t, in)
	assert.Equal(t, companionuc.CardV3, card.Spec)
	require.Len(t, card.Warnings, 1)
	assert.Contains(t, card.Warnings[0], "group_only_greetings")

	want := ct.ParseJSON(t, in).(map[string]any)
	want["data"].(map[string]any)["group_only_greetings"] = []any{}
	ct.AssertJSONEqual(t, mustJSON(t, want), mustEncode(t, card, companionuc.CardV3, companionuc.CardJSON, nil))
}

// TestV1ExportsAsV2 checks the mapping of a V1 card: its fields move into data, its unknown keys
// come along in data, and nothing lands at the top level.
func TestV1ExportsAsV2(t *testing.T) {
	card := mustDecode(t, readTestdata(t, "v1.json"))
	out := mustEncode(t, card, companionuc.CardV2, companionuc.CardJSON, nil)
	ct.AssertJSONEqual(t, []byte(`{
		"spec": "chara_card_v2", "spec_version": "2.0",
		"data": {
			"name": "Mira",
			"description": "{{char}} keeps the lighthouse on Gull Rock & writes everything in the log. <BOT> never lies to <USER>.",
			"personality": "dry humour, patient, hates waste",
			"scenario": "{{user}} washes ashore after the storm of the century.",
			"first_mes": "*Mira squints at you over her lantern.* Another one from the sea, then?",
			"mes_example": "<START>\n{{user}}: Hello?\n{{char}}: *She throws you a blanket.* Dry first. Talk later.\n<START>\n{{user}}: Where am I?\n{{char}}: Gull Rock. Population: me.",
			"creator_notes": "", "system_prompt": "", "post_history_instructions": "",
			"alternate_greetings": [], "tags": [], "creator": "", "character_version": "",
			"extensions": {},
			"avatar": "none", "chat": "Mira - 2023-5-1 @12h 00m 00s 000ms",
			"create_date": "2023-5-1 @12h 00m 00s 000ms", "talkativeness": "0.5"
		}
	}`), out)
}

// TestV3ExportsAsV2 checks that a V2 export of a V3 card keeps the V3-only keys where they were:
// V2 readers ignore them, and dropping them would lose them for good.
func TestV3ExportsAsV2(t *testing.T) {
	in := readTestdata(t, "v3.json")
	out := mustEncode(t, mustDecode(t, in), companionuc.CardV2, companionuc.CardJSON, nil)
	want := ct.ParseJSON(t, in).(map[string]any)
	want["spec"], want["spec_version"] = "chara_card_v2", "2.0"
	ct.AssertJSONEqual(t, mustJSON(t, want), out)
}

// TestV2ExportsAsV3 checks that the V3 export of a V2 card adds group_only_greetings and nothing
// else: no assets, nickname or dates are invented.
func TestV2ExportsAsV3(t *testing.T) {
	in := readTestdata(t, "v2.json")
	out := mustEncode(t, mustDecode(t, in), companionuc.CardV3, companionuc.CardJSON, nil)
	want := ct.ParseJSON(t, in).(map[string]any)
	want["spec"], want["spec_version"] = "chara_card_v3", "3.0"
	want["data"].(map[string]any)["group_only_greetings"] = []any{}
	ct.AssertJSONEqual(t, mustJSON(t, want), out)
}
