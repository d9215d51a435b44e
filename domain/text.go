package domain

import "unicode/utf8"

// Truncate returns s cut to at most n bytes without splitting a UTF-8 character, for free-form text
// from clients (user agents, audit details) that must fit a bounded column.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		_, size := utf8.DecodeLastRuneInString(s)
		if size == 0 {
			break
		}
		s = s[:len(s)-1]
	}
	return s
}
