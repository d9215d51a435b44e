// Package exportzip writes a person's data export (usecase/userdata.Export) as a zip, streamed to
// any writer: an HTTP response or a file. The layout, which the README documents:
//
//	README.txt                               what is where
//	account.json                             {id, username, email, display_name, created_at}
//	companions/<model id>/card.png           the character card (V3 and V2 inside; importable)
//	companions/<model id>/conversation.json  [{id, role, text, reply_to, picture, audio, created_at, edited_at}]
//	companions/<model id>/memories.json      [{id, text, category, importance, pinned, created_at, updated_at}]
//	companions/<model id>/schedules.json     [{id, preset, instruction, cron, timezone, enabled, created_at}]
//	usage.json                               {from, to, currency, cost, days: [{day, kind, provider, model, amount, cost}]}
//	rooms.json                               [{id, title, your_role, created_at, said: [{id, text, created_at}]}]
//	files/<key>                              every stored file: pictures, voices, headers
package exportzip

import (
	"archive/zip"
	"encoding/json"
	"io"
	"time"

	"github.com/companionhub/companionhub/adapter/httpapi/modelid"
	"github.com/companionhub/companionhub/domain/account"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/usecase/usage"
	"github.com/companionhub/companionhub/usecase/userdata"
)

// Writer is a userdata.Sink writing a zip. Close finishes the archive.
type Writer struct {
	z   *zip.Writer
	now time.Time
}

var _ userdata.Sink = (*Writer)(nil)

// New starts an export zip on w, with a README; now dates the entries.
func New(w io.Writer, now time.Time) (*Writer, error) {
	x := &Writer{z: zip.NewWriter(w), now: now}
	return x, x.put("README.txt", []byte(readme), zip.Deflate)
}

// Close writes the archive's directory. The underlying writer stays open.
func (x *Writer) Close() error { return x.z.Close() }

const readme = `Your data from Companion Hub.

account.json                              your account
companions/<model id>/card.png            each companion as a character card (import it into
                                          Companion Hub, SillyTavern or any app that reads V2/V3 cards)
companions/<model id>/conversation.json   the conversation as it is shown, oldest first: each
                                          message with the reply you kept (replies you regenerated
                                          away, and schedules' instructions, are not in it)
companions/<model id>/memories.json       what the companion remembers
companions/<model id>/schedules.json      when the companion writes to you first
usage.json                                what the hub's model, pictures and voice did for you, by
                                          day, over the last year
rooms.json                                the group chats you are in, and what you said in each
files/                                    every stored file: pictures, voices, header images
`

func (x *Writer) put(name string, body []byte, method uint16) error {
	f, err := x.z.CreateHeader(&zip.FileHeader{Name: name, Method: method, Modified: x.now})
	if err != nil {
		return err
	}
	_, err = f.Write(body)
	return err
}

func (x *Writer) putJSON(name string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return x.put(name, append(b, '\n'), zip.Deflate)
}

type accountJSON struct {
	ID          string    `json:"id"`
	Username    string    `json:"username"`
	Email       string    `json:"email"`
	DisplayName string    `json:"display_name"`
	CreatedAt   time.Time `json:"created_at"`
}

// Account writes account.json.
func (x *Writer) Account(u *account.User) error {
	return x.putJSON("account.json", accountJSON{ID: u.ID().String(), Username: u.Username().String(),
		Email: u.Email().String(), DisplayName: u.DisplayName().String(), CreatedAt: u.CreatedAt()})
}

type messageJSON struct {
	ID        string     `json:"id"`
	Role      string     `json:"role"`
	Text      string     `json:"text"`
	ReplyTo   string     `json:"reply_to,omitempty"`
	Picture   string     `json:"picture,omitempty"`
	Audio     string     `json:"audio,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	EditedAt  *time.Time `json:"edited_at,omitempty"`
}

type memoryJSON struct {
	ID         string    `json:"id"`
	Text       string    `json:"text"`
	Category   string    `json:"category"`
	Importance int       `json:"importance"`
	Pinned     bool      `json:"pinned"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// fileName is where a stored file is in the archive.
func fileName(k media.Key) string { return "files/" + k.String() }

type scheduleJSON struct {
	ID          string    `json:"id"`
	Preset      string    `json:"preset,omitempty"`
	Instruction string    `json:"instruction,omitempty"`
	Cron        string    `json:"cron"`
	TimeZone    string    `json:"timezone"`
	Enabled     bool      `json:"enabled"`
	CreatedAt   time.Time `json:"created_at"`
}

// Companion writes a companion's card, conversation, memories and schedules.
func (x *Writer) Companion(c *companion.Companion, d userdata.CompanionData) error {
	dir := "companions/" + modelid.Of(c) + "/"
	if err := x.put(dir+"card.png", d.Card.Data, zip.Store); err != nil { // a PNG is compressed already
		return err
	}
	msgs := make([]messageJSON, 0, len(d.Conversation))
	for _, m := range d.Conversation {
		j := messageJSON{ID: m.ID.String(), Role: m.Role.String(), Text: m.Text, CreatedAt: m.CreatedAt}
		if !m.ReplyTo.IsZero() {
			j.ReplyTo = m.ReplyTo.String()
		}
		if !m.Image.Key.IsZero() && !m.PictureRemoved {
			j.Picture = fileName(m.Image.Key)
		}
		if !m.AudioKey.IsZero() {
			j.Audio = fileName(m.AudioKey)
		}
		if !m.EditedAt.IsZero() {
			edited := m.EditedAt
			j.EditedAt = &edited
		}
		msgs = append(msgs, j)
	}
	if err := x.putJSON(dir+"conversation.json", msgs); err != nil {
		return err
	}
	mems := make([]memoryJSON, 0, len(d.Memories))
	for _, m := range d.Memories {
		mems = append(mems, memoryJSON{ID: m.ID.String(), Text: m.Text, Category: m.Category.String(), Importance: m.Importance,
			Pinned: m.Pinned, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt})
	}
	if err := x.putJSON(dir+"memories.json", mems); err != nil {
		return err
	}
	scheds := make([]scheduleJSON, 0, len(d.Schedules))
	for _, s := range d.Schedules {
		scheds = append(scheds, scheduleJSON{ID: s.ID.String(), Preset: s.Preset, Instruction: s.Instruction, Cron: s.Cron,
			TimeZone: s.TimeZone, Enabled: s.Enabled, CreatedAt: s.CreatedAt})
	}
	return x.putJSON(dir+"schedules.json", scheds)
}

type usageLineJSON struct {
	Day      string  `json:"day"`
	Kind     string  `json:"kind"`
	Provider string  `json:"provider"`
	Model    string  `json:"model"`
	Amount   int64   `json:"amount"`
	Cost     float64 `json:"cost"`
}

type usageJSON struct {
	From     string          `json:"from"`
	To       string          `json:"to"`
	Currency string          `json:"currency"`
	Cost     float64         `json:"cost"`
	Days     []usageLineJSON `json:"days"`
}

// Usage writes usage.json.
func (x *Writer) Usage(r usage.Report) error {
	u := usageJSON{From: string(r.From), To: string(r.To), Currency: r.Currency, Cost: r.Cost, Days: make([]usageLineJSON, 0, len(r.Lines))}
	for _, l := range r.Lines {
		u.Days = append(u.Days, usageLineJSON{Day: string(l.Day), Kind: string(l.Kind), Provider: l.Provider, Model: l.Model,
			Amount: l.Amount, Cost: l.Cost})
	}
	return x.putJSON("usage.json", u)
}

type roomJSON struct {
	ID        string            `json:"id"`
	Title     string            `json:"title"`
	YourRole  string            `json:"your_role"`
	CreatedAt time.Time         `json:"created_at"`
	Said      []roomMessageJSON `json:"said"`
}

type roomMessageJSON struct {
	ID        string    `json:"id"`
	Text      string    `json:"text"`
	CreatedAt time.Time `json:"created_at"`
}

// Rooms writes rooms.json.
func (x *Writer) Rooms(rooms []userdata.RoomData) error {
	out := make([]roomJSON, 0, len(rooms))
	for _, r := range rooms {
		j := roomJSON{ID: r.Room.ID.String(), Title: r.Room.Title, YourRole: string(r.Role), CreatedAt: r.Room.CreatedAt,
			Said: make([]roomMessageJSON, 0, len(r.Said))}
		for _, m := range r.Said {
			j.Said = append(j.Said, roomMessageJSON{ID: m.ID.String(), Text: m.Text, CreatedAt: m.CreatedAt})
		}
		out = append(out, j)
	}
	return x.putJSON("rooms.json", out)
}

// File copies a stored file into files/.
func (x *Writer) File(it media.Item, body io.Reader) error {
	f, err := x.z.CreateHeader(&zip.FileHeader{Name: fileName(it.Key), Method: zip.Store, Modified: it.CreatedAt})
	if err != nil {
		return err
	}
	_, err = io.Copy(f, body)
	return err
}
