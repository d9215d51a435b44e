package httpapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/companionhub/companionhub/adapter/httpapi/modelid"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	accountuc "github.com/companionhub/companionhub/usecase/account"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
)

// openAIModel is a companion as OpenAI clients list models (GET /v1/models): id is what they send
// as "model"; name and context_length are what Chatbox and Open WebUI show.
type openAIModel struct {
	ID            string `json:"id"`
	Object        string `json:"object"`
	Created       int64  `json:"created"`
	OwnedBy       string `json:"owned_by"`
	Name          string `json:"name"`
	CompanionID   string `json:"companion_id"`
	ContextLength int    `json:"context_length,omitempty"`
}

// errNoAPIKey is a /v1 request without credentials, in the words OpenAI clients expect.
var errNoAPIKey = domain.E(domain.KindUnauthenticated, "no_api_key",
	"no API key: send Authorization: Bearer <a personal access token of this hub> (make one under Account, or POST /api/v1/me/tokens)")

// errNoModel is a model that names none of the caller's companions.
var errNoModel = domain.E(domain.KindNotFound, "model_not_found",
	"no companion of yours is this model: GET /v1/models lists them")

// ownCompanions are the caller's companions (not the trashed ones), oldest first as the list pages them.
func (s *Server) ownCompanions(ctx context.Context, owner domain.ID) ([]*companion.Companion, error) {
	var out []*companion.Companion
	page := domain.Page{Limit: 100}
	for range 100 { // 10 000 companions at most: more than anyone has
		res, err := s.companions.List.Handle(ctx, companionuc.List{OwnerID: owner, Page: page})
		if err != nil {
			return nil, err
		}
		out = append(out, res.Items...)
		if res.Next.IsZero() {
			break
		}
		page.After = res.Next
	}
	return out, nil
}

// companionOfModel is the caller's companion a model names: its id, its model id, or — when only
// one of them has it — its name's slug ("mira").
func (s *Server) companionOfModel(ctx context.Context, owner domain.ID, model string) (*companion.Companion, error) {
	model = strings.TrimSpace(model)
	if id, err := domain.ParseID(model); err == nil {
		c, err := s.companions.Get.Handle(ctx, companionuc.Get{OwnerID: owner, ID: id})
		if domain.IsKind(err, domain.KindNotFound) || (err == nil && c.Deleted()) {
			return nil, errNoModel
		}
		return c, err
	}
	all, err := s.ownCompanions(ctx, owner)
	if err != nil {
		return nil, err
	}
	var byName []*companion.Companion
	for _, c := range all {
		slug := modelid.Of(c)
		if strings.EqualFold(slug, model) {
			return c, nil
		}
		if strings.EqualFold(modelid.Name(slug), model) {
			byName = append(byName, c)
		}
	}
	if len(byName) == 1 {
		return byName[0], nil
	}
	return nil, errNoModel
}

// asModels are companions as the caller's models: owned_by is the caller's username.
func (s *Server) asModels(ctx context.Context, owner domain.ID, cs ...*companion.Companion) ([]openAIModel, error) {
	u, err := s.accounts.GetMe.Handle(ctx, accountuc.GetMe{UserID: owner})
	if err != nil {
		return nil, err
	}
	out := make([]openAIModel, 0, len(cs))
	for _, c := range cs {
		out = append(out, openAIModel{ID: modelid.Of(c), Object: "model", Created: c.CreatedAt().Unix(),
			OwnedBy: u.Username().String(), Name: c.Profile().Name(), CompanionID: c.ID().String()})
	}
	return out, nil
}

func (s *Server) openAIModels(w http.ResponseWriter, r *http.Request) {
	owner := principalFrom(r.Context()).UserID
	all, err := s.ownCompanions(r.Context(), owner)
	var models []openAIModel
	if err == nil {
		models, err = s.asModels(r.Context(), owner, all...)
	}
	if err != nil {
		writeOpenAIError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Object string        `json:"object"`
		Data   []openAIModel `json:"data"`
	}{Object: "list", Data: models})
}

func (s *Server) openAIModel(w http.ResponseWriter, r *http.Request) {
	owner := principalFrom(r.Context()).UserID
	c, err := s.companionOfModel(r.Context(), owner, r.PathValue("id"))
	var models []openAIModel
	if err == nil {
		models, err = s.asModels(r.Context(), owner, c)
	}
	if err != nil {
		writeOpenAIError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, models[0])
}

// openAIAuthenticated is authenticated for /v1 routes: failures are answered in OpenAI's shape.
func (s *Server) openAIAuthenticated(a access, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := s.identify(r)
		if err == nil {
			err = c.allows(a)
		}
		if tok, _ := s.presentedToken(r); tok == "" {
			err = errNoAPIKey
		}
		if err != nil {
			writeOpenAIError(w, r, err)
			return
		}
		h(w, withCaller(r, c))
	}
}
