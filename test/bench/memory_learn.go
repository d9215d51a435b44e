package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/usecase/llm"
	memoryuc "github.com/companionhub/companionhub/usecase/memory"
)

// Extraction's cost per turn: the memory App's Learn use case, as the chat's extract step calls it
// after a reply, on the second companion of the measured one's owner (10 000 memories, with their
// vectors), so that recall's data stays as it was. The model answers every extraction at once with
// three memories the companion does not have yet (drawn as the generated ones are), importance 6,
// and a relationship move (affection +1 or −1, trust +1 every other turn): so every turn searches
// what the companion knows, checks three candidates, stores three memories and moves the
// relationship (a transaction on the companion, through the real relationships). The hub's own
// cost is Learn's time minus the model's answer (timed inside the fake: the JSON's making), which a
// real model's seconds replace. memLearnTurns turns after memLearnWarmup, lexical and with
// vectors (where each new memory is embedded and stored, and each candidate's meaning compared with
// every vector of the companion), through the timing wrappers of memory_recall.go, which say what
// the vectors' loads cost.
const (
	memLearnTurns  = 200
	memLearnWarmup = 10
	memLearnEach   = 3
)

var memReplies = []string{
	"Oh, that sounds lovely! Tell me more about {N}, I want to hear everything.",
	"I remember you mentioned {C} before. How are you feeling about it now?",
	"That must have been hard. I'm here, and I'm listening, always.",
	"Ha, I can picture it perfectly! Was {N} there too?",
	"You always make me smile when you talk about {A}.",
}

func memLearn(ctx context.Context, d memDB, plan memPlan) ([]row, error) {
	var rows []row
	r := rand.New(rand.NewPCG(7, 0x6c6561726e))
	count := d.db.X.Rebind(`SELECT count(*) FROM memories WHERE companion_id = ?`)
	for _, mode := range []struct {
		name string
		emb  memoryuc.Embedder
	}{{"lexical (no embedder)", nil}, {"with vectors (" + plan.emb.Name() + ")", plan.emb}} {
		ph := &memPhases{}
		model := &memModel{r: r, have: plan.keys[1]}
		var emb memoryuc.Embedder
		name := ""
		if mode.emb != nil {
			emb, name = memTimedEmbedder{e: mode.emb, p: ph}, plan.emb.Name()
		}
		app, err := memApp(d, memTimedStore{Store: d.store, p: ph}, emb, name, model)
		if err != nil {
			return rows, err
		}
		var before, after int
		if err := d.db.X.GetContext(ctx, &before, count, d.learner.String()); err != nil {
			return rows, err
		}
		var hub, answer, loads []time.Duration
		loadsPerTurn := 0
		for i := range memLearnWarmup + memLearnTurns {
			now := time.Now()
			user := chat.Message{ID: domain.NewID(now), CompanionID: d.learner, Role: chat.RoleUser,
				Text: plan.queries[i%len(plan.queries)], Selected: true, CreatedAt: now}
			reply := chat.Message{ID: domain.NewID(now), CompanionID: d.learner, Role: chat.RoleAssistant,
				Text: memFill(r, memReplies[i%len(memReplies)]), ReplyTo: user.ID, Selected: true, CreatedAt: now}
			*ph = memPhases{}
			start := time.Now()
			if _, err := app.Learn.Handle(ctx, memoryuc.Learn{OwnerID: d.owner, CompanionID: d.learner, UserMessage: user, Reply: reply}); err != nil {
				return rows, fmt.Errorf("learn, %s: %w", mode.name, err)
			}
			total := time.Since(start)
			if i < memLearnWarmup {
				continue
			}
			hub, answer, loads = append(hub, total-model.took), append(answer, model.took), append(loads, ph.nearest)
			loadsPerTurn = ph.nearestCalls
		}
		if err := d.db.X.GetContext(ctx, &after, count, d.learner.String()); err != nil {
			return rows, err
		}
		turns := memLearnWarmup + memLearnTurns
		fmt.Printf("memory: %s: Learn %s: %d turns stored %d memories of the %d the model proposed (the companion had %d)\n",
			d.name, mode.name, turns, after-before, memLearnEach*turns, before)
		if after-before < memLearnEach*turns*9/10 {
			return rows, fmt.Errorf("learn, %s: %d memories stored of %d proposed", mode.name, after-before, memLearnEach*turns)
		}
		for _, p := range []float64{50, 99} {
			rows = append(rows, row{name: fmt.Sprintf("extraction %s: Learn, %d new memories a turn, %s: the hub's own cost per turn, p%.0f",
				d.name, memLearnEach, mode.name, p), result: once(percentile(hub, p))})
		}
		if mode.emb != nil {
			rows = append(rows, row{name: fmt.Sprintf("  %s: of which the searches for a memory of the same meaning (Nearest, %d a turn: one per candidate), p50",
				d.name, loadsPerTurn), result: once(percentile(loads, 50))})
		}
		rows = append(rows, row{name: fmt.Sprintf("  %s: the fake model's answer (instant; a real model's seconds go here), p50", d.name),
			result: once(percentile(answer, 50))})
	}
	return rows, nil
}

// memModel answers every extraction at once: three memories the companion does not have yet, and a
// small move of the relationship. took is its last answer's own time.
type memModel struct {
	r    *rand.Rand
	have map[string]bool // the learning companion's memories' keys, and every one proposed since
	turn int
	took time.Duration
}

func (m *memModel) Stream(context.Context, llm.Request, func(string) error) (llm.Usage, error) {
	return llm.Usage{}, errNoModel
}

func (m *memModel) Complete(_ context.Context, req llm.Request) (string, llm.Usage, error) {
	start := time.Now()
	defer func() { m.took = time.Since(start) }()
	if !req.JSON {
		return "", llm.Usage{}, fmt.Errorf("memory bench model: a request that is not the extraction's")
	}
	type mem struct {
		Content    string `json:"content"`
		Category   string `json:"category"`
		Importance int    `json:"importance"`
		Replaces   int    `json:"replaces"`
	}
	var out struct {
		Memories     []mem `json:"memories"`
		Relationship struct {
			Affection int `json:"affection_delta"`
			Trust     int `json:"trust_delta"`
		} `json:"relationship"`
	}
	for range memLearnEach {
		text, cat, _ := memTexts(m.r, m.have)
		out.Memories = append(out.Memories, mem{Content: text, Category: cat.String(), Importance: 6})
	}
	m.turn++
	out.Relationship.Affection = 1 - 2*(m.turn%2)
	out.Relationship.Trust = m.turn % 2
	b, err := json.Marshal(out)
	return string(b), llm.Usage{}, err
}
