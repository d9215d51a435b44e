package room

import "github.com/companionhub/companionhub/domain/room"

// SettingsPatch changes some of a room's settings: a nil field keeps its value.
type SettingsPatch struct {
	Strategy   *room.Strategy
	MaxReplies *int
	AutoRounds *int
}

// Over is s with the patch's fields in place of its own.
func (p SettingsPatch) Over(s room.Settings) room.Settings {
	if p.Strategy != nil {
		s.Strategy = *p.Strategy
	}
	if p.MaxReplies != nil {
		s.MaxReplies = *p.MaxReplies
	}
	if p.AutoRounds != nil {
		s.AutoRounds = *p.AutoRounds
	}
	return s
}
