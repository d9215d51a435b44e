package chat

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/domain/companion"
)

// Step inputs and outputs cross process boundaries under a workflow engine: every one must come
// back from JSON exactly as it went in.
func TestStepPayloadsSurviveJSON(t *testing.T) {
	t.Parallel()
	id := domain.NewID(time.Now())
	scene := Analysis{Update: companion.SceneUpdate{Outfit: []string{"red dress"}, Location: "park", Action: "sitting",
		Mood: companion.MoodFlirty}, Expression: "smile", Lighting: "golden hour", UserPresent: true,
		VisualTags: []string{"bench"}, Reasoning: "moved"}
	for _, v := range []any{
		TurnInput{TurnID: id, OwnerID: id, CompanionID: id, Options: chat.Options{DeepThink: true, Image: true, Voice: true}},
		TurnResult{MessageID: id},
		AnalyzeInput{TurnID: id},
		scene, FailedAnalysis(),
		RecallInput{TurnID: id}, RecallOutput{Memories: []string{"likes tea"}},
		PlanInput{TurnID: id}, PlanOutput{Plan: "be nice"},
		ReplyInput{TurnID: id, Memories: []string{"m"}, Plan: "p"}, ReplyOutput{Chars: 5},
		PersistInput{TurnID: id, Analysis: scene}, PersistOutput{MessageID: id},
		SideInput{TurnID: id, MessageID: id},
		FinishInput{TurnID: id, MessageID: id, Status: chat.StatusCancelled, ErrorCode: "cancelled", ErrorMessage: "x"},
		Empty{},
	} {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		back := reflect.New(reflect.TypeOf(v))
		require.NoError(t, json.Unmarshal(b, back.Interface()), "%T from %s", v, b)
		require.Equal(t, v, back.Elem().Interface(), "%T from %s", v, b)
	}
}
