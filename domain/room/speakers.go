package room

import (
	"cmp"
	"math"
	"slices"
	"unicode"

	"github.com/companionhub/companionhub/domain"
)

// Turn-taking: who speaks next in a room. A round opens with a person's message. First the
// companions answer it, each at most once and at most Settings.MaxReplies of them: those the person
// named come first (in the order named), then the others as the room's strategy has it. Then, when
// Settings.AutoRounds allows, companions carry on among themselves for up to that many more replies,
// never the same one twice in a row. The rule is pure: the use case tells it what the round has
// been so far and asks again after every reply.

// Speaker is a companion in the room as turn-taking sees it, in the room's order.
type Speaker struct {
	ID   domain.ID
	Name string
	// Talkativeness 0–1 (0.5 when unknown): how readily it joins in (natural order).
	Talkativeness float64
}

// Round is the conversation since a person's last message, as turn-taking sees it.
type Round struct {
	// Prompt is the person's message that opened the round (its text).
	Prompt string
	// Replies are the companions that took a turn since it (answered, failed or were cut off), oldest first.
	Replies []domain.ID
	// Last is the text of the newest message (the person's, or the last companion reply) and LastBy the companion that wrote it (zero: a person).
	Last   string
	LastBy domain.ID
	// Silence lists companions by their last reply in the room before the round, most recent first (who spoke last); companions never heard are not in it.
	Silence []domain.ID
	// Stopped: a person cancelled a reply of this round; nobody else speaks in it.
	Stopped bool
}

// Next is the companion that speaks next in the round, or false when nobody does: the round was
// stopped, the room has no companions, or the round has had all the replies it may have.
//
// While the round has had fewer than s.MaxReplies replies (and, with List or Natural, not every
// companion has answered yet), the companions answer the person, and
// one that has already replied in the round does not again. First come those named in the Prompt
// (see Mentioned), in the order named; then:
//   - List: the others in the room's order;
//   - Natural: those the last reply named, when a companion wrote it (in the order named), then
//     the others by eagerness (below);
//   - Manual (and a strategy that is not valid): nobody else — a person lets one speak.
//
// After that, up to s.AutoRounds more replies carry the conversation on among the companions (with
// List or Natural; with Manual, or a single companion who would talk to itself, nobody does). The
// next is one named in the last reply, else the most eager; it is never the one that spoke last
// (LastBy, nor the last in Replies), but may have answered earlier in the round.
//
// Eagerness is (q+1) × (50 + round(100×t)), highest first, ties in the room's order. t is the
// companion's Talkativeness, clamped to 0–1 (NaN counts as 0.5). q is how long it has been silent:
// how many of the room's companions have spoken since it last did — this round's replies included,
// which count as the most recent — or, when it was never heard, all those that have been. The
// numbers are whole, so equal eagerness is an exact tie and the order is the same every time.
func Next(s Settings, speakers []Speaker, r Round) (domain.ID, bool) {
	if r.Stopped || len(speakers) == 0 {
		return domain.ID{}, false
	}
	// Answering ends at MaxReplies, or once every companion answered (fewer companions than
	// MaxReplies); carrying on follows either way.
	answering := s.MaxReplies
	if s.Strategy == Natural || s.Strategy == List {
		answering = min(answering, len(speakers))
	}
	switch n := len(r.Replies); {
	case n < answering:
		return answer(s.Strategy, speakers, r)
	case n < answering+s.AutoRounds:
		return carryOn(s.Strategy, speakers, r)
	default:
		return domain.ID{}, false
	}
}

// answer picks who answers the person next: each companion answers once.
func answer(strategy Strategy, speakers []Speaker, r Round) (domain.ID, bool) {
	replied := make(map[domain.ID]bool, len(r.Replies))
	for _, id := range r.Replies {
		replied[id] = true
	}
	free := func(id domain.ID) bool { return !replied[id] }
	if id, ok := firstOf(Mentioned(speakers, r.Prompt), free); ok {
		return id, true
	}
	switch strategy {
	case List:
		for _, sp := range speakers {
			if free(sp.ID) {
				return sp.ID, true
			}
		}
	case Natural:
		if !r.LastBy.IsZero() {
			addressed := func(id domain.ID) bool { return free(id) && id != r.LastBy }
			if id, ok := firstOf(Mentioned(speakers, r.Last), addressed); ok {
				return id, true
			}
		}
		return mostEager(speakers, r, free)
	}
	return domain.ID{}, false
}

// carryOn picks who speaks next once the person has been answered: anyone but the one who just
// spoke.
func carryOn(strategy Strategy, speakers []Speaker, r Round) (domain.ID, bool) {
	if (strategy != Natural && strategy != List) || len(speakers) < 2 {
		return domain.ID{}, false
	}
	var justSpoke domain.ID
	if n := len(r.Replies); n > 0 {
		justSpoke = r.Replies[n-1]
	}
	other := func(id domain.ID) bool { return id != r.LastBy && id != justSpoke }
	if id, ok := firstOf(Mentioned(speakers, r.Last), other); ok {
		return id, true
	}
	return mostEager(speakers, r, other)
}

// firstOf is the first of ids that ok accepts.
func firstOf(ids []domain.ID, ok func(domain.ID) bool) (domain.ID, bool) {
	for _, id := range ids {
		if ok(id) {
			return id, true
		}
	}
	return domain.ID{}, false
}

// mostEager is the eligible speaker with the highest eagerness (see Next), the first in the room's
// order on a tie.
func mostEager(speakers []Speaker, r Round, eligible func(domain.ID) bool) (domain.ID, bool) {
	present := make(map[domain.ID]bool, len(speakers))
	for _, sp := range speakers {
		present[sp.ID] = true
	}
	// since[id] is q: how many present companions spoke after id last did.
	since := make(map[domain.ID]int, len(speakers))
	heard := func(id domain.ID) {
		if _, seen := since[id]; present[id] && !seen {
			since[id] = len(since)
		}
	}
	for _, id := range slices.Backward(r.Replies) {
		heard(id)
	}
	for _, id := range r.Silence {
		heard(id)
	}
	var best domain.ID
	bestScore := -1
	for _, sp := range speakers {
		if !eligible(sp.ID) {
			continue
		}
		q, ok := since[sp.ID]
		if !ok {
			q = len(since)
		}
		if score := (q + 1) * weight(sp.Talkativeness); score > bestScore {
			best, bestScore = sp.ID, score
		}
	}
	return best, bestScore >= 0
}

// weight is talkativeness as a whole number, 50 (never keen) to 150 (always): a shy companion still
// gets its turn once it has been silent long enough.
func weight(t float64) int {
	if math.IsNaN(t) {
		t = 0.5
	}
	return 50 + int(math.Round(100*min(max(t, 0), 1)))
}

// Mentioned lists the speakers named in text, in the order their names first appear.
//
// A speaker is named by its full name, or by the first word of its name when that word has at
// least three letters and no other speaker's name starts with the same word ("Mia" names "Mia
// Rossi", unless the room also has "Mia Wong" or "Mia"). A name counts only as whole words:
// case does not matter, and the runes around it must not be letters or digits ("@Mia," names Mia,
// "Miami" and "Mia2" do not). Combining marks belong to the word they follow, so a decomposed "Zoë"
// is not "Zoe". Runs of white space count as one space. Where one speaker's name lies inside
// another's in the text ("Mia" in "Mia Wong"), the longer name is the one meant.
func Mentioned(speakers []Speaker, text string) []domain.ID {
	t := fold(text)
	if len(t) == 0 {
		return nil
	}
	firsts := make([][]rune, len(speakers))
	sharing := make(map[string]int, len(speakers))
	for i, sp := range speakers {
		if w := firstWord(fold(sp.Name)); letters(w) >= 3 {
			firsts[i] = w
			sharing[string(w)]++
		}
	}
	type match struct{ speaker, start, end int }
	var matches []match
	for i, sp := range speakers {
		patterns := [][]rune{fold(sp.Name)}
		if w := firsts[i]; w != nil && sharing[string(w)] == 1 {
			patterns = append(patterns, w)
		}
		for _, p := range patterns {
			for _, start := range occurrences(t, p) {
				matches = append(matches, match{i, start, start + len(p)})
			}
		}
	}
	earliest := make(map[int]int, len(speakers))
	for _, m := range matches {
		inside := slices.ContainsFunc(matches, func(o match) bool {
			return o.speaker != m.speaker && o.start <= m.start && m.end <= o.end && o.end-o.start > m.end-m.start
		})
		if e, ok := earliest[m.speaker]; !inside && (!ok || m.start < e) {
			earliest[m.speaker] = m.start
		}
	}
	if len(earliest) == 0 {
		return nil
	}
	named := make([]int, 0, len(earliest))
	for i := range speakers {
		if _, ok := earliest[i]; ok {
			named = append(named, i)
		}
	}
	slices.SortStableFunc(named, func(a, b int) int { return cmp.Compare(earliest[a], earliest[b]) })
	ids := make([]domain.ID, len(named))
	for k, i := range named {
		ids[k] = speakers[i].ID
	}
	return ids
}

// fold is s case-folded rune by rune (so "Σ", "σ" and "ς" are one letter), trimmed, with each run of
// white space made a single space.
func fold(s string) []rune {
	out := make([]rune, 0, len(s))
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			space = len(out) > 0
			continue
		}
		if space {
			out = append(out, ' ')
			space = false
		}
		out = append(out, foldRune(r))
	}
	return out
}

// foldRune is the smallest rune that is r but for case, the same for all of them.
func foldRune(r rune) rune {
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		least = min(least, f)
	}
	return least
}

// isWord reports whether r is part of a word: a letter, a digit or a combining mark.
func isWord(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) }

// firstWord is the first run of word runes in name (nil when there is none).
func firstWord(name []rune) []rune {
	start := slices.IndexFunc(name, isWord)
	if start < 0 {
		return nil
	}
	end := start
	for end < len(name) && isWord(name[end]) {
		end++
	}
	return name[start:end]
}

// letters counts the letters and digits in w.
func letters(w []rune) int {
	n := 0
	for _, r := range w {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			n++
		}
	}
	return n
}

// occurrences are where p appears in t as whole words: a word rune at either end of p must not
// continue a word in t.
func occurrences(t, p []rune) []int {
	if len(p) == 0 || len(p) > len(t) {
		return nil
	}
	var at []int
	for i := 0; i+len(p) <= len(t); i++ {
		if !slices.Equal(t[i:i+len(p)], p) {
			continue
		}
		if isWord(p[0]) && i > 0 && isWord(t[i-1]) {
			continue
		}
		if end := i + len(p); isWord(p[len(p)-1]) && end < len(t) && isWord(t[end]) {
			continue
		}
		at = append(at, i)
	}
	return at
}
