package schedule

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/robfig/cron/v3"

	"github.com/companionhub/companionhub/domain"
)

// MaxInstruction bounds an instruction, in characters: it is a prompt fragment, not a document.
const MaxInstruction = 1000

// Spec is what a schedule is: run Instruction for the companion at each occurrence of Cron in
// TimeZone. Validate says whether it is acceptable; every Scheduler validates before storing.
type Spec struct {
	ID          domain.ID
	OwnerID     domain.ID
	CompanionID domain.ID
	// Cron is a standard 5-field expression (minute hour day-of-month month day-of-week) with
	// lists, ranges, steps and names (JAN, MON); day-of-week 0 is Sunday. When both day fields
	// are restricted, a day matching either matches (as in Vixie cron). No @descriptors and no
	// seconds.
	Cron string
	// TimeZone is the IANA zone the cron is read in, e.g. "Europe/Berlin" or "UTC".
	TimeZone string
	// Instruction is what the companion is asked to do at each firing.
	Instruction string
	// Enabled schedules fire; disabled ones are kept and do not.
	Enabled bool
}

// Validate checks every field and returns a KindInvalid error naming each bad one (id,
// owner_id, companion_id, cron, time_zone, instruction), or nil.
func (s Spec) Validate() error {
	var v []domain.FieldViolation
	for _, f := range []struct {
		name string
		id   domain.ID
	}{{"id", s.ID}, {"owner_id", s.OwnerID}, {"companion_id", s.CompanionID}} {
		if f.id.IsZero() {
			v = append(v, domain.Violation(f.name, "required", "is required"))
		}
	}
	sched, err := parse(s.Cron)
	if err != nil {
		v = append(v, domain.Violation("cron", "invalid", "is not a 5-field cron expression"))
	}
	loc, err := location(s.TimeZone)
	if err != nil {
		v = append(v, domain.Violation("time_zone", "invalid", "is not an IANA time zone"))
	}
	if sched != nil && loc != nil {
		sched.Location = loc
		// Feb 30 and friends parse but never come; five years from a leap year sees every date.
		if sched.Next(neverRef.In(loc)).IsZero() {
			v = append(v, domain.Violation("cron", "never", "never matches a date"))
		}
	}
	switch n := utf8.RuneCountInString(s.Instruction); {
	case strings.TrimSpace(s.Instruction) == "":
		v = append(v, domain.Violation("instruction", "required", "is required"))
	case n > MaxInstruction:
		v = append(v, domain.Violation("instruction", "too_long", "is longer than 1000 characters"))
	case !utf8.ValidString(s.Instruction):
		v = append(v, domain.Violation("instruction", "invalid", "is not valid UTF-8"))
	}
	return domain.Invalid(v...)
}

// neverRef is where Validate looks for a first occurrence: the start of a leap year.
var neverRef = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// Next returns the first occurrence of s's cron strictly after after, in UTC. It reads the cron in
// s's time zone, so 08:00 stays 08:00 local across daylight-saving changes; a local time that
// does not exist that day (in the hour skipped in spring) does not occur, and one that occurs
// twice (in the hour repeated in autumn) occurs twice — as Temporal Schedules have it. Errors:
// KindInvalid when s is invalid or has no occurrence after after.
func Next(s Spec, after time.Time) (time.Time, error) {
	sched, err := parse(s.Cron)
	if err != nil {
		return time.Time{}, domain.Invalid(domain.Violation("cron", "invalid", "is not a 5-field cron expression"))
	}
	loc, err := location(s.TimeZone)
	if err != nil {
		return time.Time{}, domain.Invalid(domain.Violation("time_zone", "invalid", "is not an IANA time zone"))
	}
	sched.Location = loc
	next := sched.Next(after)
	if next.IsZero() {
		return time.Time{}, domain.Invalid(domain.Violation("cron", "never", "never matches a date"))
	}
	return next.UTC(), nil
}

// parser reads exactly the five standard fields (names allowed, no descriptors, no seconds).
var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)

// parse parses a 5-field expression. A CRON_TZ= or TZ= prefix, which the library would take,
// makes a sixth field and is refused: the zone is TimeZone's job.
func parse(expr string) (*cron.SpecSchedule, error) {
	if len(strings.Fields(expr)) != 5 {
		return nil, domain.Errorf(domain.KindInvalid, "cron %q: want 5 fields", expr)
	}
	s, err := parser.Parse(expr)
	if err != nil {
		return nil, domain.Errorf(domain.KindInvalid, "cron %q: %w", expr, err)
	}
	spec, ok := s.(*cron.SpecSchedule)
	if !ok {
		return nil, domain.Errorf(domain.KindInvalid, "cron %q: not a calendar schedule", expr)
	}
	return spec, nil
}

// location loads an IANA zone. "" and "Local" are refused: they mean the server's zone, which is
// nobody's and changes with the host.
func location(name string) (*time.Location, error) {
	if name == "" || name == "Local" {
		return nil, domain.Errorf(domain.KindInvalid, "time zone %q", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, domain.Errorf(domain.KindInvalid, "time zone %q: %w", name, err)
	}
	return loc, nil
}

// SplitDays returns expressions whose occurrences together are expr's (valid), each restricting
// at most one of the two day fields. It is for cron dialects in which a day must always match
// both fields (Temporal's): "0 8 13 * FRI" (the 13th, or a Friday) becomes "0 8 13 * *" and
// "0 8 * * FRI". An expression with a * day field comes back alone.
func SplitDays(expr string) []string {
	s, err := parse(expr)
	f := strings.Fields(expr)
	const star = 1 << 63 // the library's mark of a day field written as * or ?
	if err != nil || s.Dom&star != 0 || s.Dow&star != 0 {
		return []string{strings.Join(f, " ")}
	}
	return []string{
		strings.Join([]string{f[0], f[1], f[2], f[3], "*"}, " "),
		strings.Join([]string{f[0], f[1], "*", f[3], f[4]}, " "),
	}
}
