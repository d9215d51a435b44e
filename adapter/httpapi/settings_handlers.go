package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
)

// settingsDTO is a companion's settings as the API shows them (schema CompanionSettings).
type settingsDTO struct {
	AutoImage bool `json:"auto_image"`
	Voice     bool `json:"voice"`
	Memory    bool `json:"memory"`
	DeepThink bool `json:"deep_think"`
}

func toSettings(s companion.Settings) settingsDTO {
	return settingsDTO{AutoImage: s.AutoImage, Voice: s.Voice, Memory: s.Memory, DeepThink: s.DeepThink}
}

// settingsPatch is a JSON merge patch (RFC 7396) of the settings: a member left out stays as it
// is; null removes the member, which for a setting means its default.
type settingsPatch struct {
	AutoImage *bool `json:"auto_image"`
	Voice     *bool `json:"voice"`
	Memory    *bool `json:"memory"`
	DeepThink *bool `json:"deep_think"`
}

// decodeSettingsPatch reads a settings merge patch strictly: an unknown member, or a value that is
// neither true, false nor null, is refused under its name, all at once.
func decodeSettingsPatch(body []byte) (companion.SettingsChange, error) {
	if !isObject(body) {
		return companion.SettingsChange{}, domain.E(domain.KindInvalid, "malformed_json", "the body must be a JSON object")
	}
	var p settingsPatch
	if err := decodeStrict(body, &p); err != nil {
		return companion.SettingsChange{}, err
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(body, &members); err != nil {
		return companion.SettingsChange{}, domain.E(domain.KindInvalid, "malformed_json", "the body is not valid JSON")
	}
	def := toSettings(companion.DefaultSettings())
	reset := func(name string, dst **bool, v bool) {
		if raw, ok := members[name]; ok && bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
			*dst = &v
		}
	}
	reset("auto_image", &p.AutoImage, def.AutoImage)
	reset("voice", &p.Voice, def.Voice)
	reset("memory", &p.Memory, def.Memory)
	reset("deep_think", &p.DeepThink, def.DeepThink)
	return companion.SettingsChange{AutoImage: p.AutoImage, Voice: p.Voice, Memory: p.Memory, DeepThink: p.DeepThink}, nil
}

// getCompanionSettings answers a companion's settings; a companion in the trash has them too.
func (s *Server) getCompanionSettings(w http.ResponseWriter, r *http.Request) {
	id, err := companionID(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	set, err := s.companions.GetSettings.Handle(r.Context(), companionuc.GetSettings{OwnerID: principalFrom(r.Context()).UserID, ID: id})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toSettings(set))
}

// updateCompanionSettings applies a merge patch to a companion's settings and answers them all.
// The patch is read before the use case runs: a malformed one costs no allowance.
func (s *Server) updateCompanionSettings(w http.ResponseWriter, r *http.Request) {
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
	change, err := decodeSettingsPatch(body)
	if err != nil {
		writeError(w, r, err)
		return
	}
	set, err := s.companions.UpdateSettings.Handle(r.Context(), companionuc.UpdateSettings{
		OwnerID: principalFrom(r.Context()).UserID, ID: id, Change: change, Meta: meta(r)})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toSettings(set))
}
