package httpapi

import (
	"net/http"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
)

// lorebookDTO is a companion's lorebook as the API shows and takes it (schema Lorebook).
type lorebookDTO struct {
	Name        string         `json:"name,omitempty"`
	ScanDepth   int            `json:"scan_depth,omitempty"`
	TokenBudget int            `json:"token_budget,omitempty"`
	Entries     []loreEntryDTO `json:"entries"`
}

// loreEntryDTO is one entry (schema LoreEntry). In a response every member is there; in a PUT an
// entry without an id is new, and one without enabled is enabled.
type loreEntryDTO struct {
	ID             *int     `json:"id,omitempty"`
	Keys           []string `json:"keys"`
	SecondaryKeys  []string `json:"secondary_keys"`
	Content        string   `json:"content"`
	Enabled        *bool    `json:"enabled,omitempty"`
	Constant       bool     `json:"constant"`
	Selective      bool     `json:"selective"`
	CaseSensitive  bool     `json:"case_sensitive"`
	InsertionOrder int      `json:"insertion_order"`
	Priority       int      `json:"priority"`
	Comment        string   `json:"comment"`
	Name           string   `json:"name"`
}

// importedLorebookDTO answers an import (schema ImportedLorebook).
type importedLorebookDTO struct {
	Lorebook lorebookDTO `json:"lorebook"`
	Imported int         `json:"imported"`
	Skipped  int         `json:"skipped"`
}

func toLorebook(b companion.Book) lorebookDTO {
	out := lorebookDTO{Name: b.Name, ScanDepth: b.ScanDepth, TokenBudget: b.TokenBudget,
		Entries: make([]loreEntryDTO, 0, len(b.Entries))}
	for _, e := range b.Entries {
		id, enabled := e.ID, e.Enabled
		out.Entries = append(out.Entries, loreEntryDTO{ID: &id, Keys: orEmpty(e.Keys), SecondaryKeys: orEmpty(e.SecondaryKeys),
			Content: e.Content, Enabled: &enabled, Constant: e.Constant, Selective: e.Selective, CaseSensitive: e.CaseSensitive,
			InsertionOrder: e.InsertionOrder, Priority: e.Priority, Comment: e.Comment, Name: e.Name})
	}
	return out
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// decodeLorebook reads a PUT body strictly: unknown members and wrong types are refused under their
// names, and "entries" must be there ([] removes the book). The domain checks the rest.
func decodeLorebook(body []byte) (companion.Book, error) {
	if !isObject(body) {
		return companion.Book{}, domain.E(domain.KindInvalid, "malformed_json", "the body must be a JSON object")
	}
	var in lorebookDTO
	if err := decodeStrict(body, &in); err != nil {
		return companion.Book{}, err
	}
	if in.Entries == nil {
		return companion.Book{}, domain.Invalid(domain.Violation("entries", "required",
			"is required: the whole list of entries ([] removes the lorebook)"))
	}
	b := companion.Book{Name: in.Name, ScanDepth: in.ScanDepth, TokenBudget: in.TokenBudget}
	for _, e := range in.Entries {
		be := companion.BookEntry{ID: companion.NewEntryID, Keys: e.Keys, SecondaryKeys: e.SecondaryKeys, Content: e.Content,
			Enabled: e.Enabled == nil || *e.Enabled, Constant: e.Constant, Selective: e.Selective, CaseSensitive: e.CaseSensitive,
			InsertionOrder: e.InsertionOrder, Priority: e.Priority, Comment: e.Comment, Name: e.Name}
		if e.ID != nil {
			be.ID = *e.ID
		}
		b.Entries = append(b.Entries, be)
	}
	return b, nil
}

// getLorebook answers a companion's lorebook; a companion in the trash has it too.
func (s *Server) getLorebook(w http.ResponseWriter, r *http.Request) {
	id, err := companionID(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	b, err := s.companions.GetLorebook.Handle(r.Context(), companionuc.GetLorebook{OwnerID: principalFrom(r.Context()).UserID, ID: id})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toLorebook(b))
}

// putLorebook replaces a companion's lorebook and answers it as stored. The body is read before
// the use case runs: a malformed one costs no allowance.
func (s *Server) putLorebook(w http.ResponseWriter, r *http.Request) {
	id, err := companionID(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	body, err := readJSONBody(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	book, err := decodeLorebook(body)
	if err != nil {
		writeError(w, r, err)
		return
	}
	b, err := s.companions.PutLorebook.Handle(r.Context(), companionuc.PutLorebook{OwnerID: principalFrom(r.Context()).UserID,
		ID: id, Book: book, Meta: meta(r)})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toLorebook(b))
}

// importLorebook brings a SillyTavern World Info file — the body, or the form field "file" — into
// a companion's lorebook; ?mode= (or the form field "mode") is append, the default, or replace.
func (s *Server) importLorebook(w http.ResponseWriter, r *http.Request) {
	id, err := companionID(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	up, err := readUpload(r, "file")
	if err != nil {
		writeError(w, r, err)
		return
	}
	mode := r.URL.Query().Get("mode")
	if mode == "" {
		mode = up.fields["mode"]
	}
	res, err := s.companions.ImportWorldInfo.Handle(r.Context(), companionuc.ImportWorldInfo{
		OwnerID: principalFrom(r.Context()).UserID, ID: id, Data: up.data, Mode: companionuc.ImportMode(mode), Meta: meta(r)})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, importedLorebookDTO{Lorebook: toLorebook(res.Book), Imported: res.Imported, Skipped: res.Skipped})
}
