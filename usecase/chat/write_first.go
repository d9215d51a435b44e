package chat

import (
	"context"
	"strings"

	"github.com/companionhub/companionhub/domain"
)

// WriteFirst has the companion write to the person without being written to: a turn whose user
// side is Instruction, kept hidden (the conversation shows only the companion's message), with
// memory, scene, the companion's settings and everything else as for any turn. Key makes it
// idempotent (a retried firing of the same occurrence starts no second turn); it is not counted
// against the person's chat limit.
type WriteFirst struct {
	OwnerID     domain.ID
	CompanionID domain.ID
	Instruction string
	Key         string
}

// hiddenInstruction is how the instruction stands in the conversation the model reads: a note in
// brackets, plainly not the person's words.
func hiddenInstruction(instruction string) string {
	return "[No message from me this time: you are writing to me first, on your own initiative. " +
		strings.TrimSpace(instruction) + " Write only your message to me.]"
}

type writeFirstHandler struct{ send sendHandler }

func (h writeFirstHandler) Handle(ctx context.Context, in WriteFirst) (Sent, error) {
	if strings.TrimSpace(in.Instruction) == "" {
		return Sent{}, domain.Invalid(domain.Violation("instruction", "required", "the instruction is empty"))
	}
	return h.send.Handle(ctx, Send{OwnerID: in.OwnerID, CompanionID: in.CompanionID, Text: hiddenInstruction(in.Instruction),
		Unset: Unset{DeepThink: true, Image: true, Voice: true}, IdempotencyKey: in.Key, hidden: true})
}
