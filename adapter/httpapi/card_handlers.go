package httpapi

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
)

func (s *Server) setHeaderImage(w http.ResponseWriter, r *http.Request) {
	id, err := companionID(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	up, err := readUpload(r, "image")
	if err != nil {
		writeError(w, r, err)
		return
	}
	c, err := s.companions.SetHeader.Handle(r.Context(), companionuc.SetHeader{OwnerID: principalFrom(r.Context()).UserID,
		ID: id, Image: up.data, Meta: meta(r)})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, companionEnvelope{Companion: toCompanion(c)})
}

// removeHeaderImage takes the header image away (204 whether there was one or not).
func (s *Server) removeHeaderImage(w http.ResponseWriter, r *http.Request) {
	id, err := companionID(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if _, err := s.companions.RemoveHeader.Handle(r.Context(), companionuc.RemoveHeader{OwnerID: principalFrom(r.Context()).UserID,
		ID: id, Meta: meta(r)}); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// importCompanion creates a companion from a character card sent as the body (PNG, JSON or CHARX)
// or as the form field "card"; age and content_rating come from the query or the form.
func (s *Server) importCompanion(w http.ResponseWriter, r *http.Request) {
	up, err := readUpload(r, "card")
	if err != nil {
		writeError(w, r, err)
		return
	}
	field := func(name string) string {
		if v := r.URL.Query().Get(name); v != "" {
			return v
		}
		return up.fields[name]
	}
	in := companionuc.ImportCard{OwnerID: principalFrom(r.Context()).UserID, Data: up.data, Meta: meta(r)}
	if v := field("age"); v != "" {
		if in.Age, err = strconv.Atoi(v); err != nil {
			writeError(w, r, domain.Invalid(domain.Violation("age", "type", "age must be a whole number")))
			return
		}
	}
	if v := field("content_rating"); v != "" {
		if in.ContentRating, err = companion.ParseContentRating("content_rating", v); err != nil {
			writeError(w, r, err)
			return
		}
	}
	res, err := s.companions.ImportCard.Handle(r.Context(), in)
	if err != nil {
		writeError(w, r, err)
		return
	}
	warnings := res.Warnings
	if warnings == nil {
		warnings = []string{}
	}
	w.Header().Set("Location", "/api/v1/companions/"+res.Companion.ID().String())
	writeJSON(w, http.StatusCreated, importedEnvelope{Companion: toCompanion(res.Companion), Warnings: warnings})
}

// exportCompanion answers with a character card file: ?format=png|json (default png),
// ?spec=v2|v3 (default v2, which every reader understands; a PNG carries both either way),
// ?include_private=true to keep what the profile says about the owner (left out by default).
func (s *Server) exportCompanion(w http.ResponseWriter, r *http.Request) {
	id, err := companionID(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	in := companionuc.ExportCard{OwnerID: principalFrom(r.Context()).UserID, ID: id,
		Format: companionuc.CardFormat(orDefault(q.Get("format"), "png")), Spec: companionuc.CardSpec(orDefault(q.Get("spec"), "v2"))}
	if v := q.Get("include_private"); v != "" {
		if in.IncludePrivate, err = strconv.ParseBool(v); err != nil {
			writeError(w, r, domain.Invalid(domain.Violation("include_private", "type", "include_private must be true or false")))
			return
		}
	}
	out, err := s.companions.ExportCard.Handle(r.Context(), in)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeCard(w, out)
}

// writeCard answers an exported character card as a download.
func writeCard(w http.ResponseWriter, out companionuc.ExportedCard) {
	w.Header().Set("Content-Type", out.ContentType)
	w.Header().Set("Content-Disposition", attachment(out.FileName))
	w.Header().Set("Content-Length", strconv.Itoa(len(out.Data)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out.Data)
}

// attachment is the Content-Disposition of a download named name (RFC 6266): the name itself in
// filename* (UTF-8, percent-encoded as RFC 8187 says), and for clients that only read filename an
// ASCII stand-in — accents dropped, anything else outside a safe set replaced, so the fallback never
// holds a quote, backslash, control character or path separator.
func attachment(name string) string {
	var enc strings.Builder
	for _, b := range []byte(name) {
		if isAttrChar(b) {
			enc.WriteByte(b)
		} else {
			fmt.Fprintf(&enc, "%%%02X", b)
		}
	}
	return `attachment; filename="` + asciiFileName(name) + `"; filename*=UTF-8''` + enc.String()
}

// isAttrChar reports whether b may appear as itself in an RFC 8187 value (attr-char).
func isAttrChar(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || strings.IndexByte("!#$&+-.^_`|~", b) >= 0
}

// asciiFileName is name in ASCII letters, digits, '-', '_' and '.' only: "Zoë_李.png" → "Zoe.png"
// (accents dropped, other characters replaced by '_', trimmed at the ends); a name with nothing left
// before its extension is "companion".
func asciiFileName(name string) string {
	base, ext := name, ""
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		base, ext = name[:i], name[i:]
	}
	clean := func(s string, keepDot bool) string {
		var b strings.Builder
		for _, r := range norm.NFD.String(s) {
			switch {
			case r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_' || keepDot && r == '.'):
				b.WriteRune(r)
			case unicode.Is(unicode.Mn, r): // an accent taken off its letter
			default:
				b.WriteByte('_')
			}
		}
		return b.String()
	}
	base, ext = strings.Trim(clean(base, false), "_"), clean(ext, true)
	if base == "" {
		base = "companion"
	}
	return base + ext
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
