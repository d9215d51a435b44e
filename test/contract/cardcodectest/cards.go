package cardcodectest

// Cards the suite decodes. They are small but carry what breaks careless codecs: HTML-ish text
// ("<START>", "&"), non-ASCII, numbers a float64 would change (2.50, 2⁶⁴−1), nested unknown values,
// and unknown keys at every level.

// CardV1 is a flat V1 card with keys beyond the V1 fields, as SillyTavern's early exports had.
const CardV1 = `{
  "name": "Mira",
  "description": "{{char}} keeps the lighthouse & the log.",
  "personality": "dry, patient",
  "scenario": "{{user}} washes ashore.",
  "first_mes": "*Mira squints.* Another one from the sea?",
  "mes_example": "<START>\n{{user}}: Hello?\n{{char}}: Dry first. Talk later.",
  "avatar": "none",
  "talkativeness": "0.5"
}`

// CardV2 is a V2 card with a character book, SillyTavern's extensions (card- and entry-level),
// and unknown keys in data and at the top level.
const CardV2 = `{
  "spec": "chara_card_v2",
  "spec_version": "2.0",
  "name": "Vex",
  "x_top_level": {"kept": [1, 2.50, null]},
  "data": {
    "name": "Vex",
    "description": "Captain of the <Marrow>.",
    "personality": "bold",
    "scenario": "Deep space.",
    "first_mes": "Welcome aboard.",
    "mes_example": "<START>\n{{char}}: Stow it.",
    "creator_notes": "Notes for humans.",
    "system_prompt": "{{original}} Stay sharp.",
    "post_history_instructions": "[Be terse.]",
    "alternate_greetings": ["You again?", "Ship's yours — for now."],
    "tags": ["pirate", "space"],
    "creator": "anon",
    "character_version": "1.2",
    "x_data_key": {"deep": {"er": [true, 18446744073709551615]}},
    "character_book": {
      "name": "Reach",
      "extensions": {},
      "entries": [
        {"keys": ["Marrow"], "content": "The ship.", "extensions": {"position": 1, "depth": 4, "probability": 100, "selectiveLogic": 0, "group": ""}, "enabled": true, "insertion_order": 100, "use_regex": true}
      ]
    },
    "extensions": {
      "talkativeness": "0.6",
      "fav": false,
      "world": "Reach",
      "depth_prompt": {"prompt": "Vex never apologises.", "depth": 4, "role": "system"},
      "agnai/voice": {"service": "elevenlabs", "id": "x1"}
    }
  }
}`

// CardV3 is a V3 card with assets, V3 fields and decorators in a lorebook entry.
const CardV3 = `{
  "spec": "chara_card_v3",
  "spec_version": "3.0",
  "data": {
    "name": "雪 Yuki",
    "nickname": "Yu",
    "description": "A shrine maiden.",
    "personality": "gentle",
    "scenario": "Winter festival.",
    "first_mes": "Oh! A visitor.",
    "mes_example": "",
    "creator_notes": "",
    "creator_notes_multilingual": {"en": "Be kind.", "ja": "優しくね。"},
    "system_prompt": "",
    "post_history_instructions": "",
    "alternate_greetings": [],
    "group_only_greetings": ["Everyone's here!"],
    "tags": [],
    "creator": "",
    "character_version": "3",
    "source": ["https://example.org/yuki"],
    "creation_date": 1717200000,
    "modification_date": 0,
    "assets": [{"type": "icon", "uri": "embeded://assets/icon/images/main.png", "name": "main", "ext": "png"}],
    "character_book": {"extensions": {}, "entries": [{"keys": ["shrine"], "content": "@@depth 2\n@@@role system\nThe shrine is old.", "extensions": {}, "enabled": true, "insertion_order": 1, "use_regex": false}]},
    "extensions": {}
  }
}`

// CardSillyTavernV3 is what SillyTavern writes into a ccv3 chunk: V2 JSON with only spec and
// spec_version swapped, so V3's required group_only_greetings is missing.
const CardSillyTavernV3 = `{
  "spec": "chara_card_v3",
  "spec_version": "3.0",
  "data": {
    "name": "Tavern Vex",
    "description": "d", "personality": "p", "scenario": "s", "first_mes": "f", "mes_example": "m",
    "creator_notes": "", "system_prompt": "", "post_history_instructions": "",
    "alternate_greetings": [], "tags": [], "creator": "", "character_version": "",
    "extensions": {"talkativeness": "0.5", "fav": false, "world": "", "depth_prompt": {"prompt": "", "depth": 4, "role": "system"}}
  }
}`
