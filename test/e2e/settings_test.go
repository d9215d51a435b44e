package e2e

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCompanionSettingsShapeTheTurns is a companion's settings as a client meets them: kept by the
// hub with the companion (what the original kept in the browser), shown with it, and deciding the
// options of a send that leaves them out — while a send that names one has its way.
func TestCompanionSettingsShapeTheTurns(t *testing.T) {
	t.Parallel()
	forEachProfile(t, func(t *testing.T, h *hub) {
		c := newChatter(t, h, "")
		path := "/api/v1/companions/" + c.companion + "/settings"
		res := c.do("GET", path, nil)
		require.Equal(t, http.StatusOK, res.StatusCode, "%s", res.body)
		require.JSONEq(t, `{"auto_image":false,"voice":false,"memory":true,"deep_think":false}`, string(res.body))

		res = c.do("PATCH", path, `{"deep_think":true,"memory":false}`, header("Content-Type", "application/merge-patch+json"))
		require.Equal(t, http.StatusOK, res.StatusCode, "%s", res.body)
		require.JSONEq(t, `{"auto_image":false,"voice":false,"memory":false,"deep_think":true}`, string(res.body))
		res = c.do("PATCH", path, `{"deep_think":"on"}`)
		require.Equal(t, http.StatusBadRequest, res.StatusCode)
		require.Equal(t, "deep_think", res.apiError(t).Details.Fields[0].Field)

		res = c.do("GET", "/api/v1/companions/"+c.companion, nil)
		require.Equal(t, http.StatusOK, res.StatusCode)
		var comp struct {
			Companion struct {
				Settings map[string]bool `json:"settings"`
			} `json:"companion"`
		}
		res.json(t, &comp)
		require.Equal(t, map[string]bool{"auto_image": false, "voice": false, "memory": false, "deep_think": true},
			comp.Companion.Settings)

		for _, tc := range []struct {
			body any
			deep bool
		}{
			{map[string]any{"text": "hi"}, true},
			{map[string]any{"text": "quickly", "deep_think": false}, false},
		} {
			res = c.do("POST", "/api/v1/companions/"+c.companion+"/messages", tc.body)
			require.Equal(t, http.StatusAccepted, res.StatusCode, "%s", res.body)
			var sent struct {
				Turn struct {
					ID      string          `json:"id"`
					Options map[string]bool `json:"options"`
				} `json:"turn"`
			}
			res.json(t, &sent)
			require.Equal(t, tc.deep, sent.Turn.Options["deep_think"], "%v", tc.body)
			completed(t, c.follow(t, sent.Turn.ID, 0).rest())
		}
	})
}
