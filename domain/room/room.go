// Package room is a shared conversation (SPEC §3.3, group chat): several companions and, when its
// owner invites them, several people. What a room is and the rules of its parts live here; who may
// do what to it is the use cases' (usecase/room).
package room

import (
	"time"
	"unicode/utf8"

	"github.com/companionhub/companionhub/domain"
)

// Limits of a room.
const (
	MaxTitle      = 100 // characters of a title
	MaxCompanions = 10  // companions in one room
	MaxPeople     = 20  // people in one room, its owner included
	MaxReplies    = 5   // companion replies to one person's message, at most
	MaxAutoRounds = 5   // exchanges companions may carry on by themselves, at most
)

// Strategy decides which companions answer a person's message (after those mentioned by name,
// who always come first).
type Strategy string

const (
	// Natural: those addressed, then the more talkative and the longer silent first.
	Natural Strategy = "natural"
	// List: in the room's order of companions.
	List Strategy = "list"
	// Manual: nobody answers until a person lets one speak.
	Manual Strategy = "manual"
)

// Valid reports whether s is a strategy.
func (s Strategy) Valid() bool { return s == Natural || s == List || s == Manual }

// Settings are how a room's conversation goes.
type Settings struct {
	Strategy Strategy
	// MaxReplies bounds the companions' replies to one person's message (1–MaxReplies).
	MaxReplies int
	// AutoRounds lets companions carry on among themselves for so many exchanges after they
	// answered (0: they wait for a person).
	AutoRounds int
}

// DefaultSettings are a new room's.
func DefaultSettings() Settings { return Settings{Strategy: Natural, MaxReplies: 2} }

// Validate checks the settings, naming each field that is wrong.
func (s Settings) Validate() error {
	var v []domain.FieldViolation
	if !s.Strategy.Valid() {
		v = append(v, domain.Violation("strategy", "invalid", "the strategy is natural, list or manual"))
	}
	if s.MaxReplies < 1 || s.MaxReplies > MaxReplies {
		v = append(v, domain.Violation("max_replies", "out_of_range", "between 1 and 5 companions answer a message"))
	}
	if s.AutoRounds < 0 || s.AutoRounds > MaxAutoRounds {
		v = append(v, domain.Violation("auto_rounds", "out_of_range", "companions carry on by themselves for 0 to 5 exchanges"))
	}
	if len(v) > 0 {
		return domain.Invalid(v...)
	}
	return nil
}

// NewTitle is a room's title: a name people read (domain.CleanName), at most MaxTitle characters.
func NewTitle(s string) (string, error) {
	t, err := domain.CleanName("title", "the title", s)
	if err != nil {
		return "", err
	}
	if utf8.RuneCountInString(t) > MaxTitle {
		return "", domain.Invalid(domain.Violation("title", "too_long", "the title is at most 100 characters"))
	}
	return t, nil
}

// Room is a shared conversation.
type Room struct {
	ID        domain.ID
	OwnerID   domain.ID
	Title     string
	Settings  Settings
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Role is a person's part in a room.
type Role string

const (
	Owner  Role = "owner"  // made it: changes it, invites, removes people, deletes it
	Member Role = "member" // joined by an invitation: talks, adds companions, leaves
)

// Person is a person in a room.
type Person struct {
	UserID      domain.ID
	DisplayName string
	Role        Role
	JoinedAt    time.Time
}

// Companion is a companion in a room, in the room's order.
type Companion struct {
	CompanionID domain.ID
	Name        string
	// AddedBy is the person who brought it: it is theirs, or a published one they may use.
	AddedBy  domain.ID
	Position int
	AddedAt  time.Time
}

// View is a room as a person in it sees it.
type View struct {
	Room       Room
	People     []Person
	Companions []Companion
}

// RoleOf is userID's role in the room ("" when they are not in it).
func (v View) RoleOf(userID domain.ID) Role {
	for _, p := range v.People {
		if p.UserID == userID {
			return p.Role
		}
	}
	return ""
}

// Invite is a single-use, expiring invitation into a room; only its code's hash is kept.
type Invite struct {
	ID        domain.ID
	RoomID    domain.ID
	CreatedBy domain.ID
	CreatedAt time.Time
	ExpiresAt time.Time
}
