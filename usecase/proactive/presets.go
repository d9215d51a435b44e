package proactive

// Preset is a ready-made schedule: its instruction and the cron it starts with.
type Preset struct {
	Name        string
	Title       string
	Cron        string
	Instruction string
}

// Presets are the ready-made schedules, in the order people are offered them.
var Presets = []Preset{
	{"morning_greeting", "Morning greeting", "0 8 * * *", "Send a warm, loving good-morning greeting."},
	{"goodnight", "Goodnight", "0 22 * * *", "Send a sweet, caring goodnight message."},
	{"afternoon_checkin", "Afternoon check-in", "0 14 * * *", "Check in on how their day is going and offer support."},
	{"motivation", "Motivation", "0 10 * * 1-5", "Send an encouraging, motivating message for the day ahead."},
	{"weekend_hello", "Weekend hello", "0 11 * * 0,6", "Send a relaxed weekend greeting and ask about their plans."},
	{"thinking_of_you", "Thinking of you", "0 15 * * *", "Send a spontaneous message saying you were thinking about them."},
	{"evening_wind_down", "Evening wind-down", "0 19 * * *", "Send a calming message to help them wind down for the evening."},
}

// PresetNamed is the preset of that name (false when there is none).
func PresetNamed(name string) (Preset, bool) {
	for _, p := range Presets {
		if p.Name == name {
			return p, true
		}
	}
	return Preset{}, false
}

// EffectiveInstruction is what the companion is asked at a firing: the preset's, then the
// person's own words when they gave both (a preset with a personal touch).
func (s Schedule) EffectiveInstruction() string {
	p, ok := PresetNamed(s.Preset)
	switch {
	case ok && s.Instruction != "":
		return p.Instruction + " " + s.Instruction
	case ok:
		return p.Instruction
	}
	return s.Instruction
}
