// Package modelid names companions as models for OpenAI clients: the OpenAI-compatible endpoint
// answers with these ids and takes them back as "model", and the web app shows them where it tells
// a person how to connect a client.
package modelid

import (
	"strings"
	"unicode"

	"github.com/companionhub/companionhub/domain/companion"
)

// maxName bounds the name part of an id.
const maxName = 40

// Of is a companion's model id: its name in lower-case letters and digits joined by dashes, then
// the last eight hex digits of its id — stable (it changes only with the name) and never shared by
// two companions ("mira-vale-1a2b3c4d").
func Of(c *companion.Companion) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(c.Profile().Name()) {
		if b.Len() >= maxName {
			break
		}
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
			continue
		}
		dash = true
	}
	name := b.String()
	if name == "" {
		name = "companion"
	}
	id := strings.ReplaceAll(c.ID().String(), "-", "")
	return name + "-" + id[len(id)-8:]
}

// Name is an id without its end: the name's slug, which a person may type ("mira-vale").
func Name(id string) string {
	if i := strings.LastIndexByte(id, '-'); i > 0 {
		return id[:i]
	}
	return id
}
