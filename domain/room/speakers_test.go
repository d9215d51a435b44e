package room_test

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/room"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// speaker is a companion with a fresh id.
func speaker(name string, talkativeness float64) room.Speaker {
	return room.Speaker{ID: domain.NewID(t0), Name: name, Talkativeness: talkativeness}
}

var (
	mia  = speaker("Mia", 0.5)
	leo  = speaker("Leo", 0.5)
	ava  = speaker("Ava", 0.5)
	trio = []room.Speaker{mia, leo, ava}
	gone = domain.NewID(t0) // a companion no longer in the room
)

// names are the speakers' names for ids, so failures read as names.
func names(speakers []room.Speaker, ids []domain.ID) []string {
	out := []string{}
	for _, id := range ids {
		i := slices.IndexFunc(speakers, func(sp room.Speaker) bool { return sp.ID == id })
		if i < 0 {
			out = append(out, "?"+id.String())
			continue
		}
		out = append(out, speakers[i].Name)
	}
	return out
}

// play lets the round go on until nobody speaks: each companion says says[its name] (nothing when
// absent). It returns the round's replies, those it started with included.
func play(t *testing.T, s room.Settings, speakers []room.Speaker, r room.Round, says map[string]string) []domain.ID {
	t.Helper()
	r.Replies = slices.Clone(r.Replies)
	for range 50 {
		id, ok := room.Next(s, speakers, r)
		if !ok {
			return r.Replies
		}
		r.Replies = append(r.Replies, id)
		r.LastBy = id
		r.Last = says[names(speakers, []domain.ID{id})[0]]
	}
	t.Fatalf("the round never ends: %v", names(speakers, r.Replies))
	return nil
}

func TestNext(t *testing.T) {
	t.Parallel()
	natural := func(replies, auto int) room.Settings {
		return room.Settings{Strategy: room.Natural, MaxReplies: replies, AutoRounds: auto}
	}
	list := func(replies, auto int) room.Settings {
		return room.Settings{Strategy: room.List, MaxReplies: replies, AutoRounds: auto}
	}
	manual := func(replies, auto int) room.Settings {
		return room.Settings{Strategy: room.Manual, MaxReplies: replies, AutoRounds: auto}
	}
	shy, chatty, mid := speaker("Shy", 0.1), speaker("Chatty", 0.9), speaker("Mid", 0.5)
	x, y, z := speaker("X", 0), speaker("Y", 0.5), speaker("Z", 1)
	keen, quarter := speaker("Keen", 1), speaker("Quarter", 0.25)
	unknown, over := speaker("Unknown", math.NaN()), speaker("Over", 7)
	for _, tc := range []struct {
		name     string
		settings room.Settings
		speakers []room.Speaker
		round    room.Round
		says     map[string]string
		want     []string // who speaks, in order, until nobody does
	}{
		{name: "mentioned first, then natural", settings: natural(2, 0), speakers: trio,
			round: room.Round{Prompt: "What do you think, @Ava?"}, want: []string{"Ava", "Mia"}},
		{name: "mentioned in the order named", settings: natural(3, 0), speakers: trio,
			round: room.Round{Prompt: "Leo, then ava"}, want: []string{"Leo", "Ava", "Mia"}},
		{name: "list: room order", settings: list(3, 0), speakers: trio,
			round: room.Round{Prompt: "hello all", Silence: []domain.ID{ava.ID}}, want: []string{"Mia", "Leo", "Ava"}},
		{name: "list: mentioned first", settings: list(3, 0), speakers: trio,
			round: room.Round{Prompt: "ava?"}, want: []string{"Ava", "Mia", "Leo"}},
		{name: "list: no addressing in replies", settings: list(3, 0), speakers: trio,
			round: room.Round{Prompt: "hi"}, says: map[string]string{"Mia": "Ava?"}, want: []string{"Mia", "Leo", "Ava"}},
		{name: "manual answers only those mentioned", settings: manual(3, 2), speakers: trio,
			round: room.Round{Prompt: "Leo and mia, come here"}, want: []string{"Leo", "Mia"}},
		{name: "manual without a mention", settings: manual(3, 2), speakers: trio,
			round: room.Round{Prompt: "anyone?"}, want: []string{}},
		{name: "max replies bounds the answers", settings: natural(2, 0), speakers: trio,
			round: room.Round{Prompt: "hi"}, want: []string{"Mia", "Leo"}},
		{name: "max replies bounds those mentioned too", settings: natural(2, 0), speakers: trio,
			round: room.Round{Prompt: "Ava, Leo, Mia"}, want: []string{"Ava", "Leo"}},
		{name: "nobody answers twice", settings: list(3, 0), speakers: trio,
			round: room.Round{Prompt: "Mia? Mia!", Replies: []domain.ID{mia.ID}, Last: "yes", LastBy: mia.ID},
			want:  []string{"Mia", "Leo", "Ava"}},
		{name: "natural: addressed in the last reply", settings: natural(3, 0), speakers: trio,
			round: room.Round{Prompt: "hi"}, says: map[string]string{"Mia": "I agree with Ava."},
			want: []string{"Mia", "Ava", "Leo"}},
		{name: "natural: addressing itself or one who answered", settings: natural(3, 0), speakers: trio,
			round: room.Round{Prompt: "hi"}, says: map[string]string{"Mia": "Mia says so", "Leo": "Mia is right"},
			want: []string{"Mia", "Leo", "Ava"}},
		{name: "natural: the person's words are not a reply's", settings: natural(3, 0), speakers: trio,
			round: room.Round{Prompt: "hi", Last: "Ava?"}, want: []string{"Mia", "Leo", "Ava"}},
		{name: "natural: longest silent first", settings: natural(3, 0), speakers: trio,
			round: room.Round{Prompt: "hi", Silence: []domain.ID{mia.ID, leo.ID}}, want: []string{"Ava", "Leo", "Mia"}},
		{name: "natural: talkative first", settings: natural(3, 0), speakers: []room.Speaker{shy, chatty, mid},
			round: room.Round{Prompt: "hi"}, want: []string{"Chatty", "Mid", "Shy"}},
		// First X: (2+1)×50 = 150, Y: (1+1)×100 = 200, Z: (0+1)×150 = 150. Then Y has just spoken:
		// X: (2+1)×50 = 150, Z: (1+1)×150 = 300.
		{name: "natural: silence weighted by talkativeness", settings: natural(3, 0), speakers: []room.Speaker{x, y, z},
			round: room.Round{Prompt: "hi", Silence: []domain.ID{z.ID, y.ID, x.ID}}, want: []string{"Y", "Z", "X"}},
		// Quarter: (1+1)×75 = 150, Z: (0+1)×150 = 150: a tie, in the room's order.
		{name: "natural: a tie goes by room order", settings: natural(1, 0), speakers: []room.Speaker{quarter, z},
			round: room.Round{Prompt: "hi", Silence: []domain.ID{z.ID, quarter.ID}}, want: []string{"Quarter"}},
		{name: "natural: a tie goes by room order, reversed", settings: natural(1, 0), speakers: []room.Speaker{z, quarter},
			round: room.Round{Prompt: "hi", Silence: []domain.ID{z.ID, quarter.ID}}, want: []string{"Z"}},
		// Keen: (0+1)×150 = 150 < Mia: (1+1)×100 = 200; counting the absent one, they would tie at 300.
		{name: "natural: absent companions are not counted", settings: natural(1, 0), speakers: []room.Speaker{keen, mia},
			round: room.Round{Prompt: "hi", Silence: []domain.ID{gone, keen.ID}}, want: []string{"Mia"}},
		{name: "natural: talkativeness out of range", settings: natural(2, 0), speakers: []room.Speaker{unknown, over},
			round: room.Round{Prompt: "hi"}, want: []string{"Over", "Unknown"}},
		{name: "auto rounds: bounded, by silence, never twice in a row", settings: natural(1, 3), speakers: trio,
			round: room.Round{Prompt: "hi"}, want: []string{"Mia", "Leo", "Ava", "Mia"}},
		{name: "auto rounds: two companions take turns", settings: natural(2, 5), speakers: []room.Speaker{mia, leo},
			round: room.Round{Prompt: "hi"}, want: []string{"Mia", "Leo", "Mia", "Leo", "Mia", "Leo", "Mia"}},
		{name: "auto rounds: named in the last reply", settings: natural(1, 2), speakers: trio,
			round: room.Round{Prompt: "hi"}, says: map[string]string{"Mia": "Ava, tell them", "Ava": "Ava agrees, Mia"},
			want: []string{"Mia", "Ava", "Mia"}},
		{name: "auto rounds: naming only itself", settings: natural(1, 1), speakers: trio,
			round: room.Round{Prompt: "hi"}, says: map[string]string{"Mia": "Mia knows"}, want: []string{"Mia", "Leo"}},
		{name: "auto rounds: list carries on by the natural score", settings: list(2, 1), speakers: trio,
			round: room.Round{Prompt: "hi", Silence: []domain.ID{ava.ID}}, want: []string{"Mia", "Leo", "Ava"}},
		{name: "auto rounds: none with manual", settings: manual(1, 3), speakers: trio,
			round: room.Round{Prompt: "Mia?"}, want: []string{"Mia"}},
		{name: "auto rounds: one companion does not talk to itself", settings: natural(2, 3), speakers: []room.Speaker{mia},
			round: room.Round{Prompt: "hi"}, want: []string{"Mia"}},
		{name: "no auto rounds", settings: natural(1, 0), speakers: trio, round: room.Round{Prompt: "hi"}, want: []string{"Mia"}},
		{name: "stopped", settings: natural(3, 3), speakers: trio, round: room.Round{Prompt: "Mia?", Stopped: true},
			want: []string{}},
		{name: "no companions", settings: natural(3, 3), round: room.Round{Prompt: "Mia?"}, want: []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := play(t, tc.settings, tc.speakers, tc.round, tc.says)
			assert.Equal(t, tc.want, names(tc.speakers, got))
		})
	}
}

func TestNextStates(t *testing.T) {
	t.Parallel()
	s := room.Settings{Strategy: room.Natural, MaxReplies: 1, AutoRounds: 2}
	for _, tc := range []struct {
		name  string
		round room.Round
		want  string // "" when nobody speaks
	}{
		{name: "the round is over", round: room.Round{Prompt: "hi", Replies: []domain.ID{mia.ID, leo.ID, ava.ID}}},
		{name: "stopped while answering", round: room.Round{Prompt: "hi", Stopped: true}},
		{name: "stopped while carrying on", round: room.Round{Prompt: "hi", Replies: []domain.ID{mia.ID}, Stopped: true}},
		// Mia's reply failed, so the last words are still the person's: Mia is not next all the same.
		{name: "failed reply is not followed by its companion",
			round: room.Round{Prompt: "Mia?", Replies: []domain.ID{mia.ID}, Last: "Mia?"}, want: "Leo"},
		{name: "answered earlier may carry on",
			round: room.Round{Prompt: "hi", Replies: []domain.ID{mia.ID, leo.ID}, Last: "Mia?", LastBy: leo.ID}, want: "Mia"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			id, ok := room.Next(s, trio, tc.round)
			if tc.want == "" {
				assert.False(t, ok, "%v", names(trio, []domain.ID{id}))
				return
			}
			require.True(t, ok)
			assert.Equal(t, tc.want, names(trio, []domain.ID{id})[0])
		})
	}
}

// TestNextBounds plays every setting against rooms of one to four companions and checks the rules
// that hold whatever the strategy: at most MaxReplies answers, each by a different companion, at
// most MaxReplies+AutoRounds replies, never the same companion twice in a row.
func TestNextBounds(t *testing.T) {
	t.Parallel()
	four := append(slices.Clone(trio), speaker("Ivy", 0.8))
	says := map[string]string{"Mia": "Leo?", "Leo": "Leo and Mia", "Ava": "@Ivy", "Ivy": "Ava, Ava"}
	for _, strategy := range []room.Strategy{room.Natural, room.List, room.Manual} {
		for n := 1; n <= len(four); n++ {
			for maxReplies := 1; maxReplies <= room.MaxReplies; maxReplies++ {
				for auto := 0; auto <= room.MaxAutoRounds; auto++ {
					for _, prompt := range []string{"hi", "Mia, Leo, Ava and Ivy", "Ivy?"} {
						s := room.Settings{Strategy: strategy, MaxReplies: maxReplies, AutoRounds: auto}
						t.Run(fmt.Sprintf("%s/%d/%d/%d/%s", strategy, n, maxReplies, auto, prompt), func(t *testing.T) {
							t.Parallel()
							speakers := four[:n]
							got := play(t, s, speakers, room.Round{Prompt: prompt, Last: prompt}, says)
							who := names(speakers, got)
							require.LessOrEqual(t, len(got), maxReplies+auto, who)
							answers := got[:min(len(got), maxReplies, n)]
							seen := map[domain.ID]bool{}
							for _, id := range answers {
								require.False(t, seen[id], "answered twice: %v", who)
								seen[id] = true
							}
							for i := 1; i < len(got); i++ {
								require.NotEqual(t, got[i-1], got[i], "twice in a row: %v", who)
							}
							if strategy == room.Manual || n == 1 {
								require.LessOrEqual(t, len(got), maxReplies, "carried on: %v", who)
							}
							if strategy != room.Manual {
								require.Len(t, answers, min(n, maxReplies), "everyone answers up to the bound: %v", who)
							}
							if strategy != room.Manual && n > 1 {
								require.Len(t, got, min(n, maxReplies)+auto, "they carry on for every automatic round, however many answered: %v", who)
							}
						})
					}
				}
			}
		}
	}
}

func TestMentioned(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		speakers []string
		text     string
		want     []string
	}{
		{name: "at sign", speakers: []string{"Mia"}, text: "@Mia are you there?", want: []string{"Mia"}},
		{name: "punctuation after", speakers: []string{"Mia"}, text: "mia, hi", want: []string{"Mia"}},
		{name: "any case", speakers: []string{"Mia"}, text: "MIA!!", want: []string{"Mia"}},
		{name: "inside a word", speakers: []string{"Mia"}, text: "Miami is lovely, xmia", want: []string{}},
		{name: "followed by a digit", speakers: []string{"Mia"}, text: "mia2", want: []string{}},
		{name: "order of first mention, once each", speakers: []string{"Mia", "Leo"}, text: "Leo, Mia and leo again",
			want: []string{"Leo", "Mia"}},
		{name: "first name", speakers: []string{"Mia Rossi", "Leo"}, text: "hey mia", want: []string{"Mia Rossi"}},
		{name: "full name, once", speakers: []string{"Leo", "Mia Rossi"}, text: "Mia Rossi and Leo", want: []string{"Mia Rossi", "Leo"}},
		{name: "only the first word", speakers: []string{"Mia Rossi"}, text: "rossi?", want: []string{}},
		{name: "short first word", speakers: []string{"Al Green"}, text: "al?", want: []string{}},
		{name: "short first word, full name", speakers: []string{"Al Green"}, text: "Al Green!", want: []string{"Al Green"}},
		{name: "short name", speakers: []string{"Bo"}, text: "bo, hi", want: []string{"Bo"}},
		{name: "shared first word", speakers: []string{"Anna Lee", "Anna Park"}, text: "Anna?", want: []string{}},
		{name: "shared first word, full names", speakers: []string{"Anna Lee", "Anna Park"}, text: "Anna Park, then anna lee",
			want: []string{"Anna Park", "Anna Lee"}},
		{name: "shared first word, others unaffected", speakers: []string{"Anna Lee", "Anna Park", "Leo Hart"}, text: "anna, leo",
			want: []string{"Leo Hart"}},
		{name: "longer name meant", speakers: []string{"Mia", "Mia Wong"}, text: "Mia Wong says hi", want: []string{"Mia Wong"}},
		{name: "both names", speakers: []string{"Mia Wong", "Mia"}, text: "Mia, meet Mia Wong", want: []string{"Mia", "Mia Wong"}},
		{name: "shorter name alone", speakers: []string{"Mia", "Mia Wong"}, text: "mia", want: []string{"Mia"}},
		{name: "unicode", speakers: []string{"Zoë"}, text: "zoë?", want: []string{"Zoë"}},
		{name: "unicode upper case", speakers: []string{"Zoë"}, text: "ZOË", want: []string{"Zoë"}},
		{name: "unicode accents matter", speakers: []string{"Zoë"}, text: "Zoe, Zoëlla", want: []string{}},
		{name: "combining mark continues the word", speakers: []string{"Zoe"}, text: "Zoe\u0308 is here", want: []string{}},
		{name: "cyrillic first name", speakers: []string{"Дмитрий Петров"}, text: "Дмитрий, привет", want: []string{"Дмитрий Петров"}},
		{name: "cyrillic inside a word", speakers: []string{"Дмитрий Петров"}, text: "Дмитрийх", want: []string{}},
		{name: "greek final sigma", speakers: []string{"Οδυσσευς"}, text: "ΟΔΥΣΣΕΥΣ!", want: []string{"Οδυσσευς"}},
		{name: "white space runs", speakers: []string{"Mia Rossi", "Mia Wong"}, text: "MIA \t ROSSI", want: []string{"Mia Rossi"}},
		{name: "punctuation in a name", speakers: []string{"R2-D2"}, text: "hey r2-d2!", want: []string{"R2-D2"}},
		{name: "empty text", speakers: []string{"Mia"}, text: "", want: []string{}},
		{name: "empty name", speakers: []string{"", " "}, text: "anything at all", want: []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			speakers := make([]room.Speaker, len(tc.speakers))
			for i, n := range tc.speakers {
				speakers[i] = speaker(n, 0.5)
			}
			assert.Equal(t, tc.want, names(speakers, room.Mentioned(speakers, tc.text)))
		})
	}
}
