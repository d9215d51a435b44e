package sqlstore

import (
	"context"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/companionhub/companionhub/domain"
	memoryuc "github.com/companionhub/companionhub/usecase/memory"
)

// Bounds of a search query. A message used as a query is a few dozen words, and every word is a
// term the index looks up; a run of letters longer than maxSearchWord is no word anyone asks about
// (and PostgreSQL refuses words of over 2 KB).
const (
	maxSearchWords = 64
	maxSearchWord  = 64 // characters
)

// minScore is the least relevance a found memory is given: the port promises every one above 0.
const minScore = 1e-6

// Search finds the companion's memories sharing any word with query, ranked by the database's
// relevance (SQLite: bm25, lower is better; PostgreSQL: ts_rank_cd, higher is better), ties newest
// first. No query text reaches the full-text syntax: the query is cut into its words — letters,
// digits and the marks that go with them — each quoted for FTS5 ("word") or, on PostgreSQL, of
// characters no tsquery operator uses, joined by OR; a long word by its start (prefixOf), the same
// simple stemming on both dialects, in any language.
//
// SQLite's index is one for every companion, and knows each memory's companion by a token
// (search_scope, migration 00015): the MATCH asks for the companion's token AND any of the words
// in the text, so only the companion's matches are ranked and read (the join to the rows checks the
// owner). PostgreSQL's planner picks the GIN index or the companion's rows, whichever is fewer.
func (r memoryRepo) Search(ctx context.Context, ownerID, companionID domain.ID, query string, limit int) ([]memoryuc.Scored, error) {
	words := searchWords(query)
	if len(words) == 0 || limit <= 0 {
		return nil, nil
	}
	var q, match string
	if r.c.d == Postgres {
		// memory_search_text folds the query as it folded the texts (accents stripped); the words
		// hold no operator, so to_tsquery reads them as words joined by |.
		terms := make([]string, len(words))
		for i, w := range words {
			if stem, ok := prefixOf(w); ok {
				terms[i] = stem + ":*"
			} else {
				terms[i] = w
			}
		}
		match = strings.Join(terms, " | ")
		q = `SELECT ` + memoryColumns + `, ts_rank_cd(m.search, q) AS score
			FROM memories m, to_tsquery('simple', memory_search_text(?)) q
			WHERE m.search @@ q AND m.owner_id = ? AND m.companion_id = ?
			ORDER BY score DESC, m.created_at DESC, m.id DESC LIMIT ?`
	} else {
		// A word holds no double quote, so "word" is a string FTS5 tokenizes as it did the texts.
		terms := make([]string, len(words))
		for i, w := range words {
			if stem, ok := prefixOf(w); ok {
				terms[i] = `"` + stem + `"*`
			} else {
				terms[i] = `"` + w + `"`
			}
		}
		match = `search_scope : "` + searchScope(companionID) + `" AND text : (` + strings.Join(terms, " OR ") + `)`
		q = `SELECT ` + memoryColumns + `, bm25(memories_fts, 1.0, 0.0) AS score
			FROM memories_fts JOIN memories m ON m.seq = memories_fts.rowid
			WHERE memories_fts MATCH ? AND m.owner_id = ? AND m.companion_id = ?
			ORDER BY score, m.created_at DESC, m.id DESC LIMIT ?`
	}
	var rows []struct {
		memoryRow
		Score float64 `db:"score"`
	}
	if err := r.c.sel(ctx, &rows, q, match, ownerID.String(), companionID.String(), limit); err != nil {
		return nil, classify(err, nil, "search memories")
	}
	out := make([]memoryuc.Scored, 0, len(rows))
	for _, row := range rows {
		m, err := row.memory()
		if err != nil {
			return nil, err
		}
		out = append(out, memoryuc.Scored{Memory: m, Lexical: relative(row.Score, rows[0].Score)})
	}
	return out, nil
}

// prefixOf is what a word of four letters or more is searched by instead of itself: its start,
// with a plural or verb ending taken off ("visits", "visited", "visiting" → "visit"), matching
// every word that starts so — the stemming neither database's word lists give both alike.
// Shorter words match only themselves: a prefix of three letters matches too much.
func prefixOf(w string) (string, bool) {
	r := []rune(w)
	if len(r) < 4 {
		return w, false
	}
	for _, end := range []string{"ing", "ed", "es", "s"} {
		if e := []rune(end); len(r)-len(e) >= 4 && string(r[len(r)-len(e):]) == end {
			return string(r[:len(r)-len(e)]), true
		}
	}
	return w, true
}

// relative is a raw score as the port gives it: its share of the best's, which is 1. Both bm25
// (negative, lower is better) and ts_rank_cd (positive, higher is better) keep their sign, so the
// share is the ratio either way; a score that is no share of the best (a zero or a sign that
// should not be) is the least relevance.
func relative(score, best float64) float64 {
	s := score / best
	switch {
	case math.IsNaN(s) || s <= minScore:
		return minScore
	case s > 1:
		return 1
	}
	return s
}

// searchWords are the distinct words of a query, lower-cased, in order: runs of letters, digits and
// marks (a word's accents and vowel signs) holding at least a letter or a digit. They hold none of
// the characters FTS5's or tsquery's syntax uses — quotes, operators, parentheses, colons, stars.
func searchWords(query string) []string {
	var words []string
	seen := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(norm.NFC.String(query)), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r)
	}) {
		if seen[w] || utf8.RuneCountInString(w) > maxSearchWord ||
			!strings.ContainsFunc(w, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
			continue
		}
		seen[w] = true
		if words = append(words, w); len(words) == maxSearchWords {
			break
		}
	}
	return words
}

// searchScope is the token SQLite's full-text index holds for a companion's memories: "c" and its
// id's hex digits (migration 00015 computes it alike), one word to the tokenizer.
func searchScope(companionID domain.ID) string {
	return "c" + strings.ReplaceAll(companionID.String(), "-", "")
}
