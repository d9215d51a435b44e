package httpapi

import (
	"net/http"
	"strconv"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/internal/companionjson"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
)

// companionID reads the {id} path value; a malformed id names no companion of the caller's.
func companionID(r *http.Request) (domain.ID, error) {
	id, err := domain.ParseID(r.PathValue("id"))
	if err != nil {
		return domain.ID{}, companion.ErrNotFound
	}
	return id, nil
}

// decodeProfile reads a profile document strictly, reporting every mistake at once (profileFromJSON).
func decodeProfile(data []byte) (companion.ProfileSpec, error) { return profileFromJSON(data) }

func (s *Server) createCompanion(w http.ResponseWriter, r *http.Request) {
	body, err := readJSONBody(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	spec, err := decodeProfile(body)
	if err != nil {
		writeError(w, r, err)
		return
	}
	c, err := s.companions.Create.Handle(r.Context(), companionuc.Create{OwnerID: principalFrom(r.Context()).UserID,
		Profile: spec, Meta: meta(r)})
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/companions/"+c.ID().String())
	writeJSON(w, http.StatusCreated, companionEnvelope{Companion: toCompanion(c)})
}

func (s *Server) getCompanion(w http.ResponseWriter, r *http.Request) {
	id, err := companionID(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	c, err := s.companions.Get.Handle(r.Context(), companionuc.Get{OwnerID: principalFrom(r.Context()).UserID, ID: id})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, companionEnvelope{Companion: toCompanion(c)})
}

func (s *Server) listCompanions(w http.ResponseWriter, r *http.Request) {
	page, err := pageFrom(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	trashed := false
	if v := r.URL.Query().Get("trashed"); v != "" {
		if trashed, err = strconv.ParseBool(v); err != nil {
			writeError(w, r, domain.Invalid(domain.Violation("trashed", "type", "trashed must be true or false")))
			return
		}
	}
	res, err := s.companions.List.Handle(r.Context(), companionuc.List{OwnerID: principalFrom(r.Context()).UserID,
		Trashed: trashed, Page: page})
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := listDTO[companionDTO]{Items: make([]companionDTO, 0, len(res.Items)), NextCursor: res.Next.String()}
	for _, c := range res.Items {
		out.Items = append(out.Items, toCompanion(c))
	}
	writeJSON(w, http.StatusOK, out)
}

// updateCompanion applies a JSON merge patch (RFC 7396) to the companion's profile document:
// members sent replace, null clears, nested objects merge; card data is replaced whole. The merge
// runs inside the use case's transaction, on the current profile, so concurrent edits are not lost.
func (s *Server) updateCompanion(w http.ResponseWriter, r *http.Request) {
	id, err := companionID(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	patch, err := readJSONBody(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if !isObject(patch) {
		writeError(w, r, domain.E(domain.KindInvalid, "malformed_json", "the body must be a JSON object"))
		return
	}
	change := func(cur companion.ProfileSpec) (companion.ProfileSpec, error) {
		doc, err := companionjson.Marshal(companionjson.FromSpec(cur))
		if err != nil {
			return companion.ProfileSpec{}, domain.Errorf(domain.KindInternal, "encode profile: %w", err)
		}
		merged, err := mergePatch(doc, patch, opaqueProfilePaths, profileDepth)
		if err != nil {
			return companion.ProfileSpec{}, err
		}
		return decodeProfile(merged)
	}
	c, err := s.companions.Update.Handle(r.Context(), companionuc.Update{OwnerID: principalFrom(r.Context()).UserID,
		ID: id, Change: change, Meta: meta(r)})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, companionEnvelope{Companion: toCompanion(c)})
}

func (s *Server) deleteCompanion(w http.ResponseWriter, r *http.Request) {
	id, err := companionID(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if _, err := s.companions.Delete.Handle(r.Context(), companionuc.Delete{OwnerID: principalFrom(r.Context()).UserID,
		ID: id, Meta: meta(r)}); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) restoreCompanion(w http.ResponseWriter, r *http.Request) {
	id, err := companionID(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	c, err := s.companions.Restore.Handle(r.Context(), companionuc.Restore{OwnerID: principalFrom(r.Context()).UserID,
		ID: id, Meta: meta(r)})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, companionEnvelope{Companion: toCompanion(c)})
}
