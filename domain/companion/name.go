package companion

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/companionhub/companionhub/domain"
)

// name checks a companion's name: the rule of every name people read (domain.CleanName: NFC, no
// control or invisible formatting characters, something visible) and at most MaxNameLen characters.
func (c *checker) name(field, s string) string {
	n, err := domain.CleanName(field, "name", s)
	if err != nil {
		c.v = append(c.v, domain.Violations(err)...)
		return strings.TrimSpace(s)
	}
	if utf8.RuneCountInString(n) > MaxNameLen {
		c.add(field, "too_long", fmt.Sprintf("must be at most %d characters", MaxNameLen))
	}
	return n
}
