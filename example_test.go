package companionhub_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"time"

	"go.uber.org/zap"

	companionhub "github.com/companionhub/companionhub"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/eventjson"
	accountuc "github.com/companionhub/companionhub/usecase/account"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
	"github.com/companionhub/companionhub/usecase/llm"
	"github.com/companionhub/companionhub/usecase/picture"
	"github.com/companionhub/companionhub/usecase/stream"
)

// lighthouseModel is an embedder's own language model: it always says the same thing.
type lighthouseModel struct{}

func (lighthouseModel) Stream(_ context.Context, _ llm.Request, onText func(string) error) (llm.Usage, error) {
	for _, piece := range []string{"The lamp ", "is lit; ", "come up the stairs."} {
		if err := onText(piece); err != nil {
			return llm.Usage{}, err
		}
	}
	return llm.Usage{}, nil
}

func (lighthouseModel) Complete(context.Context, llm.Request) (string, llm.Usage, error) {
	return `{"location": "lighthouse", "action": "waving from the gallery", "mood": "happy"}`, llm.Usage{}, nil
}

// seaPainter is an embedder's own image generator: a calm sea, whatever the prompt.
type seaPainter struct{}

func (seaPainter) Generate(_ context.Context, req picture.Request, _ func(picture.Progress)) (picture.Result, error) {
	img := image.NewNRGBA(image.Rect(0, 0, req.Width, req.Height))
	for y := range req.Height {
		for x := range req.Width {
			img.Set(x, y, color.NRGBA{R: 20, G: uint8(60 + y%40), B: 160, A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return picture.Result{}, err
	}
	return picture.Result{Data: buf.Bytes(), Seed: 7}, nil
}

// An embedder brings its own language model and image generator as options: the hub uses them
// for every turn — the reply, the scene analysis, the picture of the scene — and stores what they
// make as it stores anything else.
func Example_bringYourOwnPorts() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "companionhub-example-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	cfg := companionhub.DefaultConfig()
	cfg.DataDir = dir

	hub, err := companionhub.New(ctx, cfg, zap.NewNop(),
		companionhub.WithModel(lighthouseModel{}), companionhub.WithImageGenerator(seaPainter{}))
	if err != nil {
		panic(err)
	}
	defer hub.Close()

	user, err := hub.Accounts.Register.Handle(ctx, accountuc.Register{Email: "ada@example.com", Username: "ada",
		DisplayName: "Ada", Password: "sea-glass lantern keeper 1843"})
	if err != nil {
		panic(err)
	}
	keeper, err := hub.Companions.Create.Handle(ctx, companionuc.Create{OwnerID: user.ID(),
		Profile: companion.ProfileSpec{Name: "Maren", Age: 31, Persona: companion.Persona{Archetype: "Caring"}}})
	if err != nil {
		panic(err)
	}
	sent, err := hub.Chat.Send.Handle(ctx, chatuc.Send{OwnerID: user.ID(), CompanionID: keeper.ID(),
		Text: "Is the lamp lit tonight?", Options: chat.Options{Image: true}})
	if err != nil {
		panic(err)
	}
	// Following ends with the turn; the deadline only bounds one that never ends.
	follow, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	events, err := hub.Chat.Follow.Handle(follow, chatuc.Follow{OwnerID: user.ID(), TurnID: sent.Turn.ID()})
	if err != nil {
		panic(err)
	}
	defer events.Close()
	for e, err := range stream.Events(follow, events) {
		if err != nil {
			panic(err)
		}
		p, err := eventjson.Decode(e.Type, e.Data)
		if err != nil {
			panic(err)
		}
		switch p := p.(type) {
		case chat.StateChange:
			fmt.Printf("Maren is at the %s, %s\n", p.Scene.Location, p.Scene.Action)
		case chat.Picture:
			fmt.Printf("a picture of the scene, %d×%d\n", p.Image.Width, p.Image.Height)
		case chat.Completion:
			fmt.Println("Maren:", p.Text)
		}
	}
	// Output:
	// Maren is at the lighthouse, waving from the gallery
	// a picture of the scene, 832×1216
	// Maren: The lamp is lit; come up the stairs.
}
