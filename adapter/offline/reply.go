package offline

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"hash/fnv"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/companionhub/companionhub/usecase/llm"
)

// fallbackName is what the model calls itself when no system message names it.
const fallbackName = "your companion"

// variations end the reply; the request's hash picks one, so the same request gets the same one.
var variations = []string{
	"I'm running without a language model right now, so I can only echo you, but I'm glad you're here.",
	"No network for me at the moment; set COMPANIONHUB_LLM_BASE_URL to give me a real voice.",
	"This is a canned reply from the hub's offline model. Tell me more anyway!",
	"I can't really think while offline, but I'm listening.",
}

// answer is the whole reply to req, before MaxTokens.
func answer(req llm.Request) string {
	var text string
	switch {
	case req.JSON:
		text = sceneJSON(req)
	case strings.Contains(lastUser(req.Messages), summaryMarker):
		text = summarySketch(lastUser(req.Messages))
	default:
		text = chatReply(req)
	}
	for _, stop := range req.Stop { // as real models do: the reply ends before the first stop sequence
		if i := strings.Index(text, stop); i >= 0 {
			text = text[:i]
		}
	}
	if req.MaxTokens > 0 {
		if pieces := split(text); len(pieces) > req.MaxTokens {
			text = strings.Join(pieces[:req.MaxTokens], "")
		}
	}
	return text
}

// label starts every chat reply, so nobody mistakes the offline model for a real one. Brackets,
// not parentheses: the hub removes parenthesised stage directions from replies.
const label = "[Offline model]"

func chatReply(req llm.Request) string {
	var b strings.Builder
	b.WriteString(label + " Hi! I'm ")
	b.WriteString(companionName(req.Messages))
	b.WriteString(".")
	if q := quote(lastUser(req.Messages)); q != "" {
		b.WriteString(" You said: “")
		b.WriteString(q)
		b.WriteString("”")
	}
	if s := sceneSentence(req.Messages); s != "" {
		b.WriteString(" ")
		b.WriteString(s)
	}
	b.WriteString(" ")
	b.WriteString(variations[hash(req)%uint64(len(variations))])
	return b.String()
}

// sceneLines find the scene the hub's reply prompt describes ("- You are: …", "- Where: …",
// "- Your mood: …"), so the offline reply plays along with the tracked scene.
var (
	doingLine = regexp.MustCompile(`(?m)^- You are: (.+)$`)
	whereLine = regexp.MustCompile(`(?m)^- Where: (.+)$`)
	moodLine  = regexp.MustCompile(`(?m)^- Your mood: (.+)$`)
)

// sceneSentence says where the companion is and what it is doing, from the first system message
// that describes a scene ("" when none does).
func sceneSentence(msgs []llm.Message) string {
	for _, m := range msgs {
		if m.Role != llm.System {
			continue
		}
		find := func(re *regexp.Regexp) string {
			if sub := re.FindStringSubmatch(m.Content); sub != nil {
				return quote(strings.TrimSuffix(strings.TrimSpace(sub[1]), "."))
			}
			return ""
		}
		doing, where, mood := find(doingLine), find(whereLine), find(moodLine)
		if doing == "" && where == "" {
			continue
		}
		var parts []string
		if doing != "" {
			parts = append(parts, "I'm "+doing)
		}
		if where != "" {
			parts = append(parts, "here in the "+strings.TrimPrefix(where, "the "))
		}
		s := "Right now " + strings.Join(parts, ", ")
		if mood != "" {
			s += ", feeling " + mood
		}
		return s + "."
	}
	return ""
}

// hash digests everything that makes a request what it is.
func hash(req llm.Request) uint64 {
	h := fnv.New64a()
	var n [8]byte
	field := func(s string) {
		binary.LittleEndian.PutUint64(n[:], uint64(len(s))) // length-prefixed: no ambiguity
		h.Write(n[:])
		h.Write([]byte(s))
	}
	for _, m := range req.Messages {
		field(string(m.Role))
		field(m.Content)
	}
	field(req.Model)
	field(strconv.Itoa(req.MaxTokens))
	if req.Temperature != nil {
		field(strconv.FormatFloat(*req.Temperature, 'g', -1, 64))
	}
	field(strconv.FormatBool(req.JSON))
	return h.Sum64()
}

// youAre finds "you are" and what follows on its line.
var youAre = regexp.MustCompile(`(?i)\byou\s+are\s+(?:now\s+)?([^\n]*)`)

// namedOrCalled finds the name in "a barista named Mia".
var namedOrCalled = regexp.MustCompile(`(?i)^(?:a|an|the)\b[^.,;:!?\n]*?\b(?:named|called)\s+(.*)$`)

// companionName reads NAME from the first system message that says "You are NAME": up to three
// words that each start with a letter that is not lower-case (so "You are a helpful assistant"
// names nobody, while scripts without case, like さくら, work).
func companionName(msgs []llm.Message) string {
	for _, m := range msgs {
		if m.Role != llm.System {
			continue
		}
		for _, match := range youAre.FindAllStringSubmatch(m.Content, -1) {
			rest := match[1]
			if sub := namedOrCalled.FindStringSubmatch(rest); sub != nil {
				rest = sub[1]
			}
			if name := leadingName(rest); name != "" {
				return name
			}
		}
	}
	return fallbackName
}

func leadingName(s string) string {
	var words []string
	for _, w := range strings.Fields(s) {
		end := strings.IndexAny(w, ",.;:!?()。、！？") // punctuation ends the name
		if end >= 0 {
			w = w[:end]
		}
		w = strings.Trim(w, `"'*_“”‘’`)
		first, _ := utf8.DecodeRuneInString(w)
		if w == "" || !unicode.IsLetter(first) || unicode.IsLower(first) || len(words) == 3 {
			break
		}
		words = append(words, w)
		if end >= 0 {
			break
		}
	}
	name := strings.Join(words, " ")
	if utf8.RuneCountInString(name) > 40 {
		return ""
	}
	return name
}

func lastUser(msgs []llm.Message) string {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role == llm.User {
			return msgs[i].Content
		}
	}
	return ""
}

// quote shortens a message to one line of at most 80 characters.
func quote(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= 80 {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:79])) + "…"
}

// scene is the analyser's JSON shape, in its key order.
type scene struct {
	Reasoning     string `json:"reasoning"`
	Outfit        string `json:"outfit"`
	Location      string `json:"location"`
	ActionSummary string `json:"action_summary"`
	IsUserPresent bool   `json:"is_user_present"`
	VisualTags    string `json:"visual_tags"`
	Expression    string `json:"expression"`
	Lighting      string `json:"lighting"`
	Mood          string `json:"mood"`
}

func sceneJSON(req llm.Request) string {
	s := scene{Reasoning: "offline model"}
	if block, ok := stateBlock(req.Messages); ok {
		s = scene{
			Reasoning:     "offline model: no change",
			Outfit:        block["outfit"],
			Location:      block["location"],
			ActionSummary: block["action"],
			Expression:    "neutral",
			Lighting:      "soft lighting",
			Mood:          block["mood"],
			IsUserPresent: yes(block["user_present"]),
		}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // the analyser reads it, not a browser
	if err := enc.Encode(s); err != nil {
		panic(err) // strings and a bool always encode
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// yes reads a state block's yes/no.
func yes(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "yes", "true", "1":
		return true
	}
	return false
}

// keyValue matches one "key: value" line, optionally a list item.
var keyValue = regexp.MustCompile(`^\s*(?:[-*•]\s*)?([A-Za-z][A-Za-z _]*?)\s*:\s*(.*?)\s*$`)

// stateKeys maps accepted keys to the block's; action_summary is what the analyser calls action.
var stateKeys = map[string]string{
	"outfit": "outfit", "location": "location", "action": "action", "action_summary": "action", "mood": "mood",
	"user_present": "user_present", "is_user_present": "user_present",
}

// stateBlock returns the last run of consecutive "key: value" lines that has at least two state
// keys.
func stateBlock(msgs []llm.Message) (map[string]string, bool) {
	var found map[string]string
	for _, m := range msgs {
		run := map[string]string{}
		end := func() {
			if len(run) >= 2 {
				found = run
			}
			run = map[string]string{}
		}
		for line := range strings.Lines(m.Content) {
			kv := keyValue.FindStringSubmatch(line)
			if kv == nil {
				end()
				continue
			}
			key := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(kv[1])), " ", "_")
			if k, ok := stateKeys[key]; ok {
				run[k] = strings.Trim(kv[2], `"'`)
			}
		}
		end()
	}
	return found, found != nil
}

// summaryMarker heads the messages a running summary is asked to take in (usecase/summary).
const summaryMarker = "NEW MESSAGES (oldest first)\n"

// summarySketchLines is how many of the newest messages the offline summary quotes.
const summarySketchLines = 6

// summarySketch is the offline model's running summary: no model to tell what mattered, so it
// quotes the start of the newest messages it was given, labelled, so the flow shows end to end.
func summarySketch(prompt string) string {
	_, msgs, _ := strings.Cut(prompt, summaryMarker)
	var lines []string
	for _, line := range strings.Split(msgs, "\n") {
		if who, said, ok := strings.Cut(line, ": "); ok && who != "" && said != "" {
			lines = append(lines, who+": "+quote(said))
		}
	}
	if len(lines) == 0 {
		return label + " Nothing to summarise."
	}
	lines = lines[max(0, len(lines)-summarySketchLines):]
	return label + " Most recently: " + strings.Join(lines, " / ")
}
