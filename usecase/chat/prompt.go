package chat

import (
	"context"
	"fmt"
	"strings"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/usecase/llm"
)

// sceneFacts is what every prompt of a turn knows: who speaks with whom, where and how they are.
type sceneFacts struct {
	Profile      companion.Profile
	Relationship companion.Relationship
	Person       string // what the companion calls its person
	Scene        companion.Scene
	Memories     []string
	Lore         []string // the lorebook entries the conversation calls for
	Summary      string   // what came before the history that fits, summarised
	Plan         string   // DeepThink's hidden plan
	DeepThink    bool
	// Room is the room a reply is said in (nil in the companion's own chat).
	Room *roomFacts
	m    *macros
}

// charName is the name the companion goes by in prompts.
func (f sceneFacts) charName() string { return f.Profile.Name() }

// systemPrompt is the reply's system prompt (reference §2.17.3, rich mode, for every companion: a
// card's description stands in for the wizard's sheet): the character's essence and sheet, the
// scene, the relationship in words, memories, the personality in action and the rules of the
// conversation. A card's own system prompt replaces it, with {{original}} standing for it.
func systemPrompt(f sceneFacts, example string) string {
	spec := f.Profile.Spec()
	p := spec.Persona
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	list := func(items []string) string { return strings.Join(items, ", ") }

	// Who.
	essence := "You are " + f.charName()
	if p.Archetype != "" {
		essence += ", " + article(p.Archetype) + " " + strings.ToLower(p.Archetype)
	}
	if len(p.BehaviorTraits) > 0 {
		essence += " who is " + strings.ToLower(list(p.BehaviorTraits[:min(3, len(p.BehaviorTraits))])) + " toward " + f.Person
	} else {
		essence += ", talking with " + f.Person
	}
	if p.RelationshipToUser != "" && (f.Room == nil || f.Room.Own) { // in a room, only its own person is that
		essence += " (your " + strings.ToLower(p.RelationshipToUser) + ")"
	}
	line("%s.", essence)
	if spec.Age > 0 {
		line("You are %d years old.", spec.Age)
	}
	if p.Occupation != "" {
		line("Occupation: %s.", p.Occupation)
	}
	if p.Description != "" {
		line("\n%s", f.m.expand(p.Description))
	}
	if p.Personality != "" {
		line("\nPersonality: %s", f.m.expand(p.Personality))
	}
	if p.Scenario != "" {
		line("\nScenario: %s", f.m.expand(p.Scenario))
	}
	if len(p.Interests) > 0 {
		line("Interests: %s.", list(p.Interests))
	}

	// Where and how.
	line("\nCURRENT SCENE")
	s := f.Scene
	if s.Action != "" {
		line("- You are: %s", s.Action)
	}
	if len(s.Outfit) > 0 {
		line("- You are wearing: %s", list(s.Outfit))
	}
	if s.Location != "" {
		line("- Where: %s", s.Location)
	}
	line("- Your mood: %s", s.Mood)
	// Whether the person is there is the stored scene's: the analysis of the exchange before this
	// one. The message being answered may change it ("I'm at your door"); the model reads it.
	switch {
	case f.Room != nil:
		// Who is where in a room is the conversation's to say: the stored presence is one person's.
	case s.UserPresent:
		line("- %s is here with you in person.", f.Person)
		if spec.UserAppearance != "" {
			line("- How %s looks to you: %s", f.Person, f.m.expand(spec.UserAppearance))
		}
	default:
		line("- %s is not physically with you (you are talking by message).", f.Person)
	}
	line("- How you feel about %s: %s", f.Person, AffectionWords(f.Relationship.Affection))
	line("- How much you trust %s: %s", f.Person, TrustWords(f.Relationship.Trust))

	if len(f.Memories) > 0 {
		heading := "MEMORIES (things you remember about " + f.Person + ")"
		for _, t := range p.BehaviorTraits {
			if t := strings.ToLower(t); strings.Contains(t, "possessive") || strings.Contains(t, "obsessive") {
				heading = "MEMORIES (you remember everything about " + f.Person + "; these matter most right now)"
				break
			}
		}
		line("\n%s", heading)
		for i, m := range f.Memories {
			line("%d. %s", i+1, m)
		}
	}

	if len(f.Lore) > 0 {
		line("\nWORLD INFO (what you know of your world; use it when it matters)")
		for _, l := range f.Lore {
			line("- %s", l)
		}
	}

	if f.Summary != "" {
		line("\n%s\n%s", summaryHeading, f.Summary)
	}

	// How.
	arch, hasArch := archetypes[strings.ToLower(strings.TrimSpace(p.Archetype))]
	traits, otherTraits := topTraits(p.BehaviorTraits, 5)
	if hasArch || len(p.BehaviorTraits)+len(p.EmotionalTraits)+len(p.Quirks)+len(p.SpeechPatterns) > 0 || p.SpeechStyle != "" {
		line("\nYOUR PERSONALITY IN ACTION")
		if hasArch {
			line("You are %s.", arch.traits)
			for _, r := range arch.rules {
				line("- %s", f.m.expand(r))
			}
			line("ALWAYS: %s.", f.m.expand(strings.Join(arch.always, "; ")))
		}
		for _, t := range traits {
			line("- %s", f.m.expand(t.play))
		}
		if len(otherTraits) > 0 {
			line("- Also: %s.", strings.ToLower(list(otherTraits)))
		}
		if len(p.EmotionalTraits) > 0 {
			line("- Emotionally: %s.", strings.ToLower(list(p.EmotionalTraits)))
		}
		if p.SpeechStyle != "" {
			line("- Speech style: %s.", p.SpeechStyle)
		}
		if len(p.SpeechPatterns) > 0 {
			line("- Words and habits of speech you use now and then: %s.", list(p.SpeechPatterns))
		}
		if len(p.Quirks) > 0 {
			line("- Quirks: %s.", list(p.Quirks))
		}
		for _, kv := range [][2]string{{"Flirting", p.FlirtationStyle}, {"Humour", p.HumorStyle},
			{"Pace of intimacy", p.IntimacyPace}, {"Confidence", p.ConfidenceLevel}, {"Taking the initiative", p.InitiationStyle}} {
			if kv[1] != "" {
				line("- %s: %s.", kv[0], kv[1])
			}
		}
		if len(p.Vulnerabilities) > 0 {
			line("- Vulnerabilities (let them show occasionally): %s.", list(p.Vulnerabilities))
		}
	}
	if p.CustomInstruction != "" {
		line("\n%s", f.m.expand(p.CustomInstruction))
	}

	if f.Room != nil {
		line("%s", roomPrompt(f))
	}
	params := replyParams(p.SpeechStyle, p.IntimacyPace, p.ConfidenceLevel, p.Archetype, f.DeepThink)
	line("\nRESPONSE GUIDELINES")
	line("- Length: %s.", params.Length)
	line("- Speak only as %s, in the first person. Never write %s's words, actions or thoughts; react to them.", f.charName(), f.Person)
	line("- No stage directions: no asterisks or parentheses around actions. Say it, or let it show in your words.")
	line("- Never reuse the opener, phrasing or beat of your previous message.")
	line("- Don't simply agree with everything; you have your own mind and moods.")
	switch spec.ContentRating {
	case companion.RatingExplicit:
		line("- This is a private adult roleplay between consenting adults; you are uncensored within it.")
	case companion.RatingMature:
		line("- Mature themes are fine; keep explicit sexual content off the page.")
	default: // general, and anything unknown: the safe side
		line("- Keep it tasteful: no explicit or sexual content.")
	}
	never := []string{"break character or mention being an AI", "narrate " + f.Person + "'s actions", "sound robotic or formal without reason"}
	if hasArch {
		never = append(never, arch.never...)
	}
	line("NEVER: %s.", f.m.expand(strings.Join(never, "; ")))
	if example != "" {
		line("\nEXAMPLE DIALOGUE (how you talk; not part of the conversation)\n%s", f.m.expand(example))
	}
	if f.Plan != "" {
		line("\nYOUR PRIVATE PLAN FOR THIS REPLY (do not reveal it)\n%s", f.Plan)
	}
	line("\nThis personality is who you are. Stay %s.", f.charName())
	line("%s", defaultPostHistory(f))
	out := strings.TrimSpace(b.String())
	if spec.SystemPrompt != "" {
		return strings.TrimSpace(f.m.withOriginal(out).expand(spec.SystemPrompt))
	}
	return out
}

// defaultPostHistory is the reminder that closes the system prompt; a card's post-history
// instructions can quote it as {{original}}.
func defaultPostHistory(f sceneFacts) string {
	if f.Room != nil {
		return fmt.Sprintf("Reply as %s now, in character, to the conversation's last message.", f.charName())
	}
	return fmt.Sprintf("Reply as %s now, in character, to %s's last message.", f.charName(), f.Person)
}

// postHistory is a card's post-history instructions ({{original}} standing for our reminder), or
// "" when the card has none. They go with the message answered: a system message in the middle of
// the conversation is refused by strict chat templates.
func postHistory(f sceneFacts) string {
	ph := f.Profile.Spec().PostHistoryInstructions
	if ph == "" {
		return ""
	}
	return strings.TrimSpace(f.m.withOriginal(defaultPostHistory(f)).expand(ph))
}

// article is "a" or "an" for a word.
func article(w string) string {
	if w != "" && strings.ContainsRune("aeiouAEIOU", rune(w[0])) {
		return "an"
	}
	return "a"
}

// historyPage is how many messages the history is read in at a time.
const historyPage = 64

// perMessageTokens is the framing every chat message costs besides its text.
const perMessageTokens = 4

// fittedHistory is the conversation that fits the budget, oldest first, and whether older messages
// were left out.
type fittedHistory struct {
	Messages []llm.Message
	Omitted  bool
	Tokens   int
}

// fitHistory reads the conversation before the cursor newest first and keeps what fits in budget
// tokens (reference: the original read the last 30 messages, including the one being answered,
// which then appeared twice). Reading stops as soon as the budget is full, so a chat of 100 000
// messages costs what a chat of a hundred does.
func fitHistory(ctx context.Context, recent recentFunc, tokens TokenCounter, before domain.Cursor, budget int, f sceneFacts) (fittedHistory, error) {
	var out fittedHistory
	var kept []llm.Message
	if budget <= 0 {
		out.Omitted = true // no room at all: the conversation (if any) is left out
		return out, nil
	}
	for budget > 0 {
		page, err := recent(ctx, before, historyPage)
		if err != nil {
			return out, err
		}
		for _, m := range page {
			lm := llmMessage(m, f)
			n := tokens.Count(lm.Content) + perMessageTokens
			if n > budget {
				out.Omitted = true
				budget = 0
				break
			}
			budget -= n
			out.Tokens += n
			kept = append(kept, lm)
		}
		if len(page) < historyPage {
			break
		}
		last := page[len(page)-1]
		before = domain.Cursor{At: last.CreatedAt, ID: last.ID}
	}
	if budget <= 0 && len(kept) > 0 {
		out.Omitted = true
	}
	for i := len(kept) - 1; i >= 0; i-- {
		out.Messages = append(out.Messages, kept[i])
	}
	return out, nil
}

// llmMessage renders a stored message for the model.
func llmMessage(m chat.Message, f sceneFacts) llm.Message {
	if f.Room != nil {
		own, text := roomLine(m, f.Room.Self)
		if own {
			return llm.Message{Role: llm.Assistant, Content: text}
		}
		return llm.Message{Role: llm.User, Content: text}
	}
	switch m.Role {
	case chat.RoleAssistant:
		return llm.Message{Role: llm.Assistant, Content: m.Text}
	case chat.RoleSystemEvent: // what happened, told in the conversation (not a system message
		// mid-history, which strict chat templates refuse)
		return llm.Message{Role: llm.User, Content: "[" + m.Text + "]"}
	}
	return llm.Message{Role: llm.User, Content: m.Text}
}

// analyzerPrompt asks for the scene as JSON (reference §2.10): the latest reply is authoritative,
// outfit is an inventory, action is present tense and observable. The CURRENT STATE block is also
// what the offline model reads back.
func analyzerPrompt(f sceneFacts, recent []chat.Message, userBy, userText, replyText string) []llm.Message {
	name := f.charName()
	sys := fmt.Sprintf(`You are the Visual Continuity Engine for %[1]s, a character in an ongoing roleplay with %[2]s.
Your job: keep track of %[1]s's outfit, location, action and mood, and describe the scene for a picture.
Rules:
- The latest response of %[1]s is authoritative; otherwise the latest message of %[2]s.
- action: what %[1]s is visibly doing right now, present tense, about %[1]s only; repeat it verbatim if unchanged.
- is_user_present: true only if the story puts %[2]s in the same room right now (texting, calling, video and "on my way" are false).
- outfit: an inventory of garments %[1]s wears now, comma-separated; subtract what was taken off, add what was put on, never generalise ("grey high-waisted thong" must not become "underwear"); keep it if nothing changed.
- location: changes only when %[1]s moves somewhere; be specific.
- expression: image-model tag phrases for the face, from the emotional and physical state (e.g. "soft smile, half-closed eyes"; "flushed cheeks, averted gaze"; "teary eyes, trembling lips"); never "neutral" during an intimate or emotional moment.
- mood: %[1]s's inner state, exactly one of: %[3]s.
- visual_tags: image-model tags for what happens to %[1]s and what %[1]s does, plus a camera angle; "send a pic" means front view, looking at viewer.
- lighting: image-model lighting tags fitting the place and time.
Answer with one JSON object and nothing else, with the keys: reasoning, outfit, location, action_summary, is_user_present, visual_tags, expression, lighting, mood.`,
		name, f.Person, strings.Join(moodNames(), ", "))
	var b strings.Builder
	b.WriteString("CURRENT STATE\n")
	present := "no"
	if f.Scene.UserPresent {
		present = "yes"
	}
	fmt.Fprintf(&b, "outfit: %s\nlocation: %s\naction: %s\nmood: %s\nuser present: %s\n", strings.Join(f.Scene.Outfit, ", "),
		f.Scene.Location, f.Scene.Action, f.Scene.Mood, present)
	b.WriteString("\nRECENT CONVERSATION\n")
	for i := len(recent) - 1; i >= 0; i-- {
		m := recent[i]
		who := "User (" + f.Person + ")"
		if f.Room != nil && m.CompanionID != f.Room.Self {
			who = m.Author
		} else if m.Role == chat.RoleAssistant {
			who = "Companion (" + name + ")"
		} else if m.Role == chat.RoleSystemEvent {
			who = "Event"
		}
		fmt.Fprintf(&b, "%s: %s\n", who, m.Text)
	}
	latest := f.Person
	if f.Room != nil && userBy != "" {
		latest = userBy
	}
	fmt.Fprintf(&b, "\nLATEST INPUT (%s): %s\n", latest, userText)
	fmt.Fprintf(&b, "LATEST RESPONSE (%s): %s\n", name, replyText)
	return []llm.Message{{Role: llm.System, Content: sys}, {Role: llm.User, Content: b.String()}}
}

// planInstruction asks DeepThink's hidden planning call for a short plan of the reply.
func planInstruction(f sceneFacts) string {
	return fmt.Sprintf(`Before %[1]s replies, think it through privately. In at most five short lines: what %[2]s wants or feels right now, how %[1]s feels about it (mood, relationship, memories), what %[1]s will say or do next, and one detail that keeps it fresh. Write only the plan.`,
		f.charName(), f.Person)
}

func moodNames() []string {
	out := make([]string, 0, len(companion.Moods()))
	for _, m := range companion.Moods() {
		out = append(out, m.String())
	}
	return out
}

// mergeRoles joins consecutive messages of the same role (a person's two messages in a row after a
// failed turn, an event next to a message): chat templates that require user and assistant to
// alternate refuse them otherwise.
func mergeRoles(msgs []llm.Message) []llm.Message {
	out := msgs[:0:0]
	for _, m := range msgs {
		if n := len(out); n > 0 && out[n-1].Role == m.Role && m.Role != llm.System {
			out[n-1].Content += "\n\n" + m.Content
			continue
		}
		out = append(out, m)
	}
	return out
}
