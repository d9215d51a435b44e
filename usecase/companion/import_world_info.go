package companion

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/audit"
	"github.com/companionhub/companionhub/domain/companion"
)

// ImportMode says what an imported World Info file does to the lorebook there is.
type ImportMode string

const (
	// ImportAppend adds the file's entries after the book's (the default).
	ImportAppend ImportMode = "append"
	// ImportReplace puts the file's entries in place of the book's; the book's name, scan depth,
	// token budget and other members stay.
	ImportReplace ImportMode = "replace"
)

// ImportWorldInfo brings a SillyTavern World Info file (companion.ParseWorldInfo; a character book
// or lorebook_v3 file too) into the lorebook of one of the caller's companions. An entry keeps its
// uid as its id unless the book already has that id, and then gets a fresh one. The file is read
// before anything else: one that is not World Info is refused (KindInvalid, saying why) without
// counting against the limit. Then it is a lorebook edit as PutLorebook is (audited with
// "lorebook": "import_append" or "import_replace").
type ImportWorldInfo struct {
	OwnerID domain.ID
	ID      domain.ID
	Data    []byte
	Mode    ImportMode // empty: ImportAppend
	Meta    audit.Meta
}

// ImportedLorebook is the lorebook after an import, and what the file brought.
type ImportedLorebook struct {
	Book     companion.Book
	Imported int // entries added
	Skipped  int // entries that could never enter a prompt here (companion.WorldInfo)
}

type importWorldInfoHandler struct{ d Deps }

func (h importWorldInfoHandler) Handle(ctx context.Context, in ImportWorldInfo) (ImportedLorebook, error) {
	mode := in.Mode
	if mode == "" {
		mode = ImportAppend
	}
	if mode != ImportAppend && mode != ImportReplace {
		return ImportedLorebook{}, domain.Invalid(domain.Violation("mode", "one_of", "must be append or replace"))
	}
	wi, err := companion.ParseWorldInfo(in.Data)
	if err != nil {
		return ImportedLorebook{}, err
	}
	book, err := editBook(ctx, h.d, in.OwnerID, in.ID, in.Meta, "import_"+string(mode), func(cur companion.Book) (companion.Book, error) {
		kept := cur.Entries
		if mode == ImportReplace {
			kept = nil
		}
		used := map[int]bool{}
		for _, e := range kept {
			used[e.ID] = true
		}
		for _, e := range wi.Entries {
			if used[e.ID] {
				e.ID = companion.NewEntryID
			}
			used[e.ID] = true
			kept = append(kept, e)
		}
		cur.Entries = kept
		return cur, nil
	})
	if err != nil {
		return ImportedLorebook{}, err
	}
	return ImportedLorebook{Book: book, Imported: len(wi.Entries), Skipped: wi.Skipped}, nil
}
