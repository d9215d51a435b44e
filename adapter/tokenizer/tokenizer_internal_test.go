package tokenizer

import (
	"testing"
	"unicode"
)

// isLetterOrMark must agree with the Unicode tables where it answers without them.
func TestIsLetterOrMarkTables(t *testing.T) {
	for r := rune(0); r < 0x600; r++ {
		if got, want := isLetterOrMark(r), unicode.IsLetter(r) || unicode.IsMark(r); got != want {
			t.Errorf("%U: %v, want %v", r, got, want)
		}
	}
}
