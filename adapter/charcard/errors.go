package charcard

import (
	"fmt"

	"github.com/companionhub/companionhub/domain"
)

// invalidCard is the error for input that is not a readable card. The message reaches the person
// who uploaded the file, so it names the problem in their terms (a chunk, a field, an archive
// entry), never in a parser's.
func invalidCard(format string, args ...any) *domain.Error {
	return &domain.Error{Kind: domain.KindInvalid, Reason: ReasonInvalidCard, Message: fmt.Sprintf(format, args...)}
}

// tooLarge is the error for a card Encode would write beyond the caps Decode reads with: writing
// it would produce a file this hub (and RisuAI) refuses to import.
func tooLarge(what string, limit int) *domain.Error {
	return domain.E(domain.KindInvalid, ReasonCardTooLarge,
		fmt.Sprintf("the card is too large to export: its %s would exceed %s", what, mib(limit)))
}

// mib renders a byte cap for messages.
func mib(n int) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// printable shortens a string taken from the input (a spec, a file name) to 64 bytes for a
// message, so a hostile file cannot make the message it gets back as large as itself.
func printable(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

// jsonType names the JSON type of a raw value for messages ("a number", "a list"…).
func jsonType(raw []byte) string {
	raw = trimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '"':
		return "text"
	case '{':
		return "an object"
	case '[':
		return "a list"
	case 't', 'f':
		return "true/false"
	case 'n':
		return "null"
	default:
		return "a number"
	}
}

// trimSpace trims JSON whitespace (the four characters RFC 8259 allows) from both ends.
func trimSpace(b []byte) []byte {
	for len(b) > 0 && isJSONSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isJSONSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
