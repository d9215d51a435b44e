package picture

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/usecase/llm"
)

// A reply's picture prompt is written in two parts. What must never drift — who the companion is,
// what it wears — is the hub's, verbatim. What a model does better than a template — turning "she
// curls up on the sofa with the cat" into pose, camera, expression, setting and light — is asked of
// the language model, as a short list of tags. An answer that is no usable list (no JSON, empty,
// sentences, too long), a slow one, or no model at all leaves the template's tags, so a picture is
// never lost to the prompt.

// composeTimeout bounds the model's part: a picture that waits longer for its prompt than most
// renders take is better drawn from the template.
const composeTimeout = 20 * time.Second

// maxModelTags bounds the model's tags, in characters: the prompt's budget is the backend's (77
// tokens per chunk on Stable Diffusion), and the identity and outfit come first.
const maxModelTags = 400

const composeSystem = `You write Stable Diffusion prompt tags for one picture of a character.
Answer with ONLY a JSON object: {"tags": "tag, tag, ..."}.
Tags are short comma-separated phrases, never sentences. In this order: the pose and body
language that show the action (translate actions into poses: "typing on a laptop" becomes
"sitting at a desk, hands on keyboard, looking at screen"), one camera framing tag (close-up,
upper body, cowboy shot, full body), the facial expression, the setting with two or three
concrete details, the lighting and atmosphere.
Do NOT describe the character's face, hair, body, age or clothes: they are given separately and
must not change. At most 25 tags.`

// modelTags asks the model for the scene's tags; "" when there is no model or its answer is not
// usable.
func (d Deps) modelTags(ctx context.Context, name string, s companion.Scene, dr dress, rating companion.ContentRating) string {
	if d.Model == nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, composeTimeout)
	defer cancel()
	var b strings.Builder
	fmt.Fprintf(&b, "Character: %s\n", name)
	fmt.Fprintf(&b, "Wearing (given separately, do not repeat): %s\n", dr.tags())
	if s.Location != "" {
		fmt.Fprintf(&b, "Location: %s\n", s.Location)
	}
	if s.Action != "" {
		fmt.Fprintf(&b, "Action: %s\n", s.Action)
	}
	fmt.Fprintf(&b, "Mood: %s\n", s.Mood.String())
	if s.UserPresent {
		b.WriteString("The person they talk to is physically with them (first-person view).\n")
	} else {
		b.WriteString("The person they talk to is not there: the character is alone in the picture.\n")
	}
	if rating != companion.RatingMature && rating != companion.RatingExplicit {
		b.WriteString("The picture must be safe for general audiences.\n")
	}
	temp := 0.3
	raw, _, err := d.Model.Complete(ctx, llm.Request{
		Messages:  []llm.Message{{Role: llm.System, Content: composeSystem}, {Role: llm.User, Content: b.String()}},
		MaxTokens: 300, Temperature: &temp, JSON: true,
	})
	if err != nil {
		return ""
	}
	return usableTags(raw)
}

// usableTags reads the model's answer: {"tags": "…"} (or "positive", the original app's key, or a
// list), cleaned to one line of short tags; "" when it is none.
func usableTags(raw string) string {
	obj, err := llm.ExtractJSON(raw)
	if err != nil {
		return ""
	}
	var answer map[string]json.RawMessage
	if json.Unmarshal(obj, &answer) != nil {
		return ""
	}
	var tags []string
	for _, key := range []string{"tags", "positive", "prompt"} {
		v, ok := answer[key]
		if !ok {
			continue
		}
		var text string
		if json.Unmarshal(v, &text) == nil {
			tags = strings.Split(text, ",")
		} else if json.Unmarshal(v, &tags) != nil {
			return ""
		}
		break
	}
	var out []string
	for _, t := range tags {
		t = strings.Join(strings.FieldsFunc(t, unicode.IsSpace), " ")
		if t == "" {
			continue
		}
		if len(strings.Fields(t)) > 8 || strings.ContainsAny(t, ".!?") && len(strings.Fields(t)) > 3 {
			return "" // sentences, not tags
		}
		out = append(out, t)
	}
	joined := strings.Join(out, ", ")
	if joined == "" || len(joined) > maxModelTags {
		return ""
	}
	return joined
}
