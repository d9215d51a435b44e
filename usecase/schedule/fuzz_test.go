package schedule_test

import (
	"testing"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/schedule"
)

// FuzzSpec (S5): any cron expression and time zone a person sends is accepted or refused as
// invalid input, never a panic; an accepted one has occurrences, each strictly after the last, on
// the minute.
func FuzzSpec(f *testing.F) {
	for _, s := range [][2]string{{"0 8 * * *", "Europe/Berlin"}, {"*/15 9-17 * * MON-FRI", "UTC"}, {"0 0 30 2 *", "UTC"},
		{"30 2 * * *", "America/New_York"}, {"0 0 1,15 * 0", "Asia/Kolkata"}, {"@daily", "UTC"}, {"* * * * * *", "UTC"},
		{"61 * * * *", "UTC"}, {"0 8 * * *", "Mars/Olympus"}, {"0 8 * * *", "../../etc/passwd"}, {"", ""}} {
		f.Add(s[0], s[1], int64(1_700_000_000))
	}
	id := domain.NewID(time.Unix(1_700_000_000, 0))
	f.Fuzz(func(t *testing.T, cron, zone string, at int64) {
		s := schedule.Spec{ID: id, OwnerID: id, CompanionID: id, Cron: cron, TimeZone: zone, Instruction: "Say hello.", Enabled: true}
		if err := s.Validate(); err != nil {
			if domain.KindOf(err) != domain.KindInvalid {
				t.Fatalf("%q %q refused as %s: %v", cron, zone, domain.KindOf(err), err)
			}
			return
		}
		after := time.Unix(at%(1<<34), 0).UTC() // within a few centuries of 1970 either way
		first, err := schedule.Next(s, after)
		if err != nil {
			if domain.KindOf(err) != domain.KindInvalid {
				t.Fatalf("%q %q after %s: %v", cron, zone, after, err)
			}
			return
		}
		if !first.After(after) || first.Second() != 0 || first.Nanosecond() != 0 {
			t.Fatalf("%q %q after %s: %s", cron, zone, after, first)
		}
		second, err := schedule.Next(s, first)
		if err == nil && !second.After(first) {
			t.Fatalf("%q %q: %s then %s", cron, zone, first, second)
		}
	})
}
