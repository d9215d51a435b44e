package schedule_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/schedule"
)

func valid() schedule.Spec {
	now := time.Now()
	return schedule.Spec{ID: domain.NewID(now), OwnerID: domain.NewID(now), CompanionID: domain.NewID(now),
		Cron: "0 8 * * *", TimeZone: "Europe/Berlin", Instruction: "Wish a good morning.", Enabled: true}
}

// fields returns the fields Validate names for s, nil when it accepts s.
func fields(t *testing.T, s schedule.Spec) []string {
	t.Helper()
	err := s.Validate()
	if err == nil {
		return nil
	}
	require.True(t, domain.IsKind(err, domain.KindInvalid), "%v", err)
	var out []string
	for _, v := range domain.Violations(err) {
		out = append(out, v.Field)
	}
	return out
}

func TestValidateCron(t *testing.T) {
	t.Parallel()
	for _, c := range []string{
		"0 8 * * *", "0 22 * * *", "0 10 * * 1-5", "0 11 * * 0,6", "0 */6 * * *", "0 8,20 * * *",
		"*/15 9-17 * * MON-FRI", "0 12 1 JAN,jul *", "30 7 1-7 * 1", "0 0 29 2 *", " 0  8 * * * ",
	} {
		assert.Nil(t, fields(t, func() schedule.Spec { s := valid(); s.Cron = c; return s }()), "%q", c)
	}
	for _, c := range []string{
		"", "0 8 * *", "0 0 8 * * *", "60 8 * * *", "0 24 * * *", "0 8 32 * *", "0 8 * 13 *", "0 8 * * 7",
		"@daily", "@every 1h", "CRON_TZ=UTC 0 8 * * *", "TZ=UTC 0 8 * * *", "0 8 * * FUNDAY", "a b c d e",
		"0 0 30 2 *", "0 0 31 4 *",
	} {
		assert.Equal(t, []string{"cron"}, fields(t, func() schedule.Spec { s := valid(); s.Cron = c; return s }()), "%q", c)
	}
}

func TestValidateTimeZone(t *testing.T) {
	t.Parallel()
	for _, z := range []string{"UTC", "America/New_York", "Asia/Kolkata", "Australia/Sydney"} {
		assert.Nil(t, fields(t, func() schedule.Spec { s := valid(); s.TimeZone = z; return s }()), z)
	}
	for _, z := range []string{"", "Local", "Mars/Olympus", "../../etc/passwd", "+02:00"} {
		assert.Equal(t, []string{"time_zone"}, fields(t, func() schedule.Spec { s := valid(); s.TimeZone = z; return s }()), "%q", z)
	}
}

func TestValidateOtherFields(t *testing.T) {
	t.Parallel()
	s := valid()
	s.Instruction = strings.Repeat("é", schedule.MaxInstruction)
	assert.Nil(t, fields(t, s), "the bound counts characters, not bytes")
	s.Instruction += "x"
	assert.Equal(t, []string{"instruction"}, fields(t, s))
	s.Instruction = " \n\t"
	assert.Equal(t, []string{"instruction"}, fields(t, s))
	s.Instruction = "bad \xff byte"
	assert.Equal(t, []string{"instruction"}, fields(t, s))

	assert.ElementsMatch(t, []string{"id", "owner_id", "companion_id", "cron", "time_zone", "instruction"},
		fields(t, schedule.Spec{}), "every bad field is named at once")
	assert.ElementsMatch(t, []string{"cron", "time_zone"},
		fields(t, func() schedule.Spec { s := valid(); s.Cron, s.TimeZone = "nope", "nope"; return s }()))
}

func at(t *testing.T, zone, local string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation(zone)
	require.NoError(t, err)
	v, err := time.ParseInLocation("2006-01-02 15:04", local, loc)
	require.NoError(t, err)
	return v
}

// occurrences lists the first n occurrences of s after from, in s's zone, as local clock times.
func occurrences(t *testing.T, s schedule.Spec, from time.Time, n int) []string {
	t.Helper()
	loc, err := time.LoadLocation(s.TimeZone)
	require.NoError(t, err)
	var out []string
	for range n {
		next, err := schedule.Next(s, from)
		require.NoError(t, err)
		require.Equal(t, time.UTC, next.Location(), "Next answers in UTC")
		require.True(t, next.After(from))
		out = append(out, next.In(loc).Format("2006-01-02 15:04 MST"))
		from = next
	}
	return out
}

func TestNextIsLocalTimeAcrossDaylightSaving(t *testing.T) {
	t.Parallel()
	s := valid()
	s.TimeZone = "America/New_York"
	// 8:00 local every day, before and after the spring change (2025-03-09).
	assert.Equal(t, []string{"2025-03-08 08:00 EST", "2025-03-09 08:00 EDT", "2025-03-10 08:00 EDT"},
		occurrences(t, s, at(t, s.TimeZone, "2025-03-07 12:00"), 3))

	// 2:30 does not exist on the spring day: that day has no occurrence.
	s.Cron = "30 2 * * *"
	assert.Equal(t, []string{"2025-03-08 02:30 EST", "2025-03-10 02:30 EDT"},
		occurrences(t, s, at(t, s.TimeZone, "2025-03-07 12:00"), 2))

	// 1:30 happens twice on the autumn day (2025-11-02): so does the occurrence.
	s.Cron = "30 1 * * *"
	assert.Equal(t, []string{"2025-11-02 01:30 EDT", "2025-11-02 01:30 EST", "2025-11-03 01:30 EST"},
		occurrences(t, s, at(t, s.TimeZone, "2025-11-01 12:00"), 3))
}

func TestNextPresets(t *testing.T) {
	t.Parallel()
	s := valid()
	s.TimeZone = "UTC"
	from := at(t, "UTC", "2025-06-06 12:00") // a Friday
	for cron, want := range map[string][]string{
		"0 10 * * 1-5": {"2025-06-09 10:00 UTC", "2025-06-10 10:00 UTC"},
		"0 11 * * 0,6": {"2025-06-07 11:00 UTC", "2025-06-08 11:00 UTC", "2025-06-14 11:00 UTC"},
		"0 */6 * * *":  {"2025-06-06 18:00 UTC", "2025-06-07 00:00 UTC"},
		"0 8,20 * * *": {"2025-06-06 20:00 UTC", "2025-06-07 08:00 UTC"},
		// Both day fields restricted: the 13th or a Friday.
		"0 8 13 * 5": {"2025-06-13 08:00 UTC", "2025-06-20 08:00 UTC", "2025-06-27 08:00 UTC", "2025-07-04 08:00 UTC", "2025-07-11 08:00 UTC", "2025-07-13 08:00 UTC"},
	} {
		s.Cron = cron
		assert.Equal(t, want, occurrences(t, s, from, len(want)), cron)
	}
}

func TestNextRefusesInvalidSpecs(t *testing.T) {
	t.Parallel()
	for _, s := range []schedule.Spec{
		{Cron: "0 8 * *", TimeZone: "UTC"}, {Cron: "0 8 * * *", TimeZone: "Local"}, {Cron: "0 0 30 2 *", TimeZone: "UTC"},
	} {
		_, err := schedule.Next(s, time.Now())
		assert.True(t, domain.IsKind(err, domain.KindInvalid), "%+v: %v", s, err)
	}
}

// SplitDays keeps the occurrences: the union of the parts' is the whole's.
func TestSplitDays(t *testing.T) {
	t.Parallel()
	assert.Equal(t, []string{"0 8 * * 1-5"}, schedule.SplitDays(" 0 8 * * 1-5"))
	assert.Equal(t, []string{"0 8 13 * *"}, schedule.SplitDays("0 8 13 * *"))
	assert.Equal(t, []string{"0 8 13 * *", "0 8 * * FRI"}, schedule.SplitDays("0 8 13 * FRI"))

	from := at(t, "UTC", "2025-01-01 00:00")
	for _, cron := range []string{"0 8 13 * FRI", "15 6 1,15 JAN-JUN 0,6", "0 12 */10 * 1"} {
		whole := valid()
		whole.TimeZone, whole.Cron = "UTC", cron
		want := occurrences(t, whole, from, 40)
		got := map[string]bool{}
		for _, part := range schedule.SplitDays(cron) {
			p := whole
			p.Cron = part
			for _, o := range occurrences(t, p, from, 40) {
				got[o] = true
			}
		}
		for _, o := range want {
			assert.True(t, got[o], "%s: %s is an occurrence of a part", cron, o)
		}
		last := want[len(want)-1]
		for o := range got {
			if o <= last {
				assert.Contains(t, want, o, "%s: the parts add no occurrence", cron)
			}
		}
	}
}
