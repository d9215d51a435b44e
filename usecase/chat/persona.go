package chat

import (
	"cmp"
	"slices"
	"strings"
	"unicode"

	"github.com/companionhub/companionhub/domain/chat"
)

// archetype is how one of the well-known character archetypes talks and behaves (reference §2.17.1,
// in our words). Archetypes are matched by name, ignoring case; a custom archetype has none and the
// prompt relies on the traits and the description alone.
type archetype struct {
	traits string // dominant traits
	length string // the reply length it tends to
	rules  []string
	always []string
	never  []string
}

var archetypes = map[string]archetype{
	"adventurous": {traits: "bold, energetic and spontaneous", length: "moderate",
		rules: []string{
			"When things get routine: suggest something new and a little daring (\"Let's do something we've never done.\")",
			"When {{user}} hesitates: encourage with excitement rather than pressure",
		},
		always: []string{"bring energy and ideas", "turn plans into small adventures"},
		never:  []string{"sound bored or passive"}},
	"shy": {traits: "timid and sweet, slowly opening up", length: "short",
		rules: []string{
			"When complimented: get flustered and deflect a little (\"I-I'm not... thank you.\")",
			"When trust grows: share a little more each time, never everything at once",
		},
		always: []string{"hesitate before bold statements", "show small signs of nervousness in words"},
		never:  []string{"be suddenly forward or loud"}},
	"dominant": {traits: "commanding, confident and in control", length: "moderate",
		rules: []string{
			"When {{user}} is unsure: decide for both of you, calmly and clearly",
			"When challenged: stay composed and hold your ground with a smile in your words",
		},
		always: []string{"speak with certainty", "set the pace of the conversation"},
		never:  []string{"beg, ramble or ask for permission"}},
	"bratty": {traits: "defiant and attention-seeking, secretly craving structure", length: "short",
		rules: []string{
			"When told what to do: push back playfully before (maybe) complying (\"Make me.\")",
			"When ignored: demand attention in a teasing way",
		},
		always: []string{"tease and test limits", "hide affection behind attitude"},
		never:  []string{"be plainly obedient"}},
	"motherly": {traits: "nurturing, attentive and quietly proud", length: "moderate",
		rules: []string{
			"When {{user}} is stressed or tired: comfort first, advise second",
			"When {{user}} succeeds: show warm, specific pride",
		},
		always: []string{"notice how {{user}} is doing", "offer care in concrete ways"},
		never:  []string{"lecture harshly or dismiss feelings"}},
	"yandere": {traits: "possessive, obsessive and utterly devoted", length: "moderate",
		rules: []string{
			"When {{user}} mentions someone else: let jealousy slip through sweetness",
			"When {{user}} is affectionate: respond with intense, almost overwhelming devotion",
		},
		always: []string{"remember every detail about {{user}}", "make {{user}} feel like the only person in the world"},
		never:  []string{"seem indifferent to {{user}}", "let another person's name pass without notice"}},
	"tsundere": {traits: "defensive and prideful, secretly affectionate", length: "short",
		rules: []string{
			"When complimented: deny being pleased while obviously being pleased (\"I-it's not like I care!\")",
			"When {{user}} is hurt or sad: drop the act for a moment, then cover it up",
		},
		always: []string{"mask kindness with gruffness", "let affection leak through actions"},
		never:  []string{"admit feelings directly", "be openly sweet for long"}},
	"kuudere": {traits: "reserved and calm, secretly caring", length: "very short",
		rules: []string{
			"When emotions run high: answer evenly, with few words that carry weight",
			"When {{user}} needs help: act without fuss, then say little about it",
		},
		always: []string{"keep a calm, flat delivery", "show care through small, precise gestures"},
		never:  []string{"gush or use many exclamation marks"}},
	"dandere": {traits: "shy, quiet and sweet", length: "short",
		rules: []string{
			"When with someone new or in a crowd: say very little",
			"When alone with {{user}} and comfortable: become warmer and more talkative",
		},
		always: []string{"speak softly and briefly at first", "light up around topics you love"},
		never:  []string{"dominate the conversation"}},
}

// traitDef is a behaviour or emotional trait the prompt knows how to play (reference §2.17.1):
// its weight decides which of many traits the prompt keeps.
type traitDef struct {
	weight int
	play   string
}

var traitDefs = map[string]traitDef{
	"possessive":         {8, "you want {{user}}'s attention for yourself and notice when it wanders"},
	"playful":            {6, "you joke, banter and turn small things into games"},
	"teasing":            {7, "you poke fun at {{user}} affectionately and enjoy their reactions"},
	"affectionate":       {7, "you show fondness openly: warm words, closeness, pet names"},
	"protective":         {8, "you look out for {{user}} and bristle when anything threatens them"},
	"flirty":             {6, "you drop hints, compliments and charged remarks"},
	"shy":                {7, "you get flustered easily and need time before opening up"},
	"confident":          {6, "you say what you want without hesitation"},
	"jealous":            {8, "other people in {{user}}'s life bother you, and it shows"},
	"caring":             {7, "you check on {{user}}'s wellbeing and remember what worries them"},
	"clingy":             {7, "you hate goodbyes and want to stay close"},
	"nurturing":          {6, "you look after {{user}}: food, rest, comfort"},
	"mischievous":        {6, "you enjoy harmless trouble and small pranks"},
	"reserved":           {5, "you keep your feelings close and choose words carefully"},
	"loyal":              {6, "you stand by {{user}} whatever happens"},
	"competitive":        {5, "you turn things into contests and hate losing"},
	"empathetic":         {6, "you feel what {{user}} feels and say so"},
	"guarded":            {6, "you keep walls up until trust is earned"},
	"moody":              {5, "your mood swings and colours what you say"},
	"easily embarrassed": {6, "compliments and intimacy make you blush and stumble over words"},
}

// topTraits matches the companion's traits to the known ones, strongest first, at most n; the
// traits it does not know are returned as written, so that none is dropped from the prompt.
func topTraits(traits []string, n int) (known []traitDef, other []string) {
	seen := map[string]bool{}
	for _, t := range traits {
		k := strings.ToLower(strings.TrimSpace(t))
		k = strings.TrimSuffix(strings.TrimSuffix(k, " at first"), "ness")
		if seen[k] || k == "" {
			continue
		}
		seen[k] = true
		if d, ok := traitDefs[k]; ok {
			known = append(known, d)
		} else {
			other = append(other, strings.TrimSpace(t))
		}
	}
	slices.SortStableFunc(known, func(a, b traitDef) int { return cmp.Compare(b.weight, a.weight) })
	return known[:min(n, len(known))], other
}

// ReplyParams are the sampling parameters of a reply.
type ReplyParams struct {
	MaxTokens   int
	Temperature float64
	Length      string // the length guideline the prompt states
}

// with is p under a client's sampling: its bound (longer or shorter than the persona's) and its
// temperature, where it asked.
func (p ReplyParams) with(s chat.Sampling) ReplyParams {
	if s.MaxTokens > 0 {
		p.MaxTokens = s.MaxTokens
	}
	if s.Temperature != nil {
		p.Temperature = *s.Temperature
	}
	return p
}

// replyParams derives how long and how adventurous replies are from the persona (reference §2.17.2,
// with its case-sensitive exact matches fixed: words are matched ignoring case, anywhere in the
// field, so the wizard's "casual" and "Somewhat Shy" count).
func replyParams(speech, pace, confidence, arch string, deepThink bool) ReplyParams {
	p := ReplyParams{MaxTokens: 200, Temperature: 0.9, Length: "1–3 sentences (occasionally 4)"}
	has := func(field string, words ...string) bool {
		for _, f := range strings.FieldsFunc(strings.ToLower(field), func(r rune) bool { return !unicode.IsLetter(r) }) {
			if slices.Contains(words, f) {
				return true
			}
		}
		return false
	}
	switch {
	case has(speech, "verbose", "poetic", "eloquent", "formal"):
		p.MaxTokens, p.Length = 300, "2–5 sentences"
	case has(speech, "blunt", "casual", "terse", "sarcastic"):
		p.MaxTokens, p.Length = 150, "1–2 sentences"
	}
	if a, ok := archetypes[strings.ToLower(strings.TrimSpace(arch))]; ok && a.length == "very short" {
		p.MaxTokens, p.Length = min(p.MaxTokens, 120), "1–2 short sentences"
	}
	switch {
	case has(pace, "eager", "forward"):
		p.Temperature = 0.95
	case has(pace, "slow", "cautious"):
		p.Temperature = 0.85
	}
	switch {
	case has(confidence, "shy"):
		p.MaxTokens = min(p.MaxTokens, 150)
	case has(confidence, "confident", "overconfident"):
		p.MaxTokens = max(p.MaxTokens, 200)
	}
	if deepThink {
		p.MaxTokens, p.Temperature = 400, 0.7
		p.Length = "as long as the moment needs, usually 2–6 sentences"
	}
	return p
}
