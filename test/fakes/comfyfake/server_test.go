package comfyfake_test

import (
	"bytes"
	"encoding/json"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/test/fakes/comfyfake"
)

// graph is a text-to-image graph in API format; edit changes it before it is encoded.
func graph(t *testing.T, edit func(g map[string]map[string]any)) map[string]any {
	t.Helper()
	g := map[string]map[string]any{
		"1": {"class_type": "CheckpointLoaderSimple", "inputs": map[string]any{"ckpt_name": comfyfake.DefaultCheckpoint}},
		"2": {"class_type": "CLIPTextEncode", "inputs": map[string]any{"text": "a fox", "clip": []any{"1", 1}}},
		"3": {"class_type": "CLIPTextEncode", "inputs": map[string]any{"text": "blurry", "clip": []any{"1", 1}}},
		"4": {"class_type": "EmptyLatentImage", "inputs": map[string]any{"width": 320, "height": 192, "batch_size": 1}},
		"5": {"class_type": "KSampler", "inputs": map[string]any{"model": []any{"1", 0}, "positive": []any{"2", 0},
			"negative": []any{"3", 0}, "latent_image": []any{"4", 0}, "seed": 42, "steps": 3, "cfg": 7,
			"sampler_name": "euler", "scheduler": "normal", "denoise": 1}},
		"6": {"class_type": "VAEDecode", "inputs": map[string]any{"samples": []any{"5", 0}, "vae": []any{"1", 2}}},
		"7": {"class_type": "SaveImage", "inputs": map[string]any{"images": []any{"6", 0}, "filename_prefix": "test"}},
	}
	if edit != nil {
		edit(g)
	}
	out := map[string]any{}
	for k, v := range g {
		out[k] = v
	}
	return out
}

func post(t *testing.T, fake *comfyfake.Server, body any) (int, map[string]any) {
	t.Helper()
	data, err := json.Marshal(body)
	require.NoError(t, err)
	resp, err := fake.Client().Post(fake.URL()+"/prompt", "application/json", bytes.NewReader(data))
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return resp.StatusCode, out
}

// A graph /prompt refuses answers 400 with ComfyUI's error type, and node_errors for its inputs.
func TestPromptValidation(t *testing.T) {
	t.Parallel()
	fake := comfyfake.New(t)
	cases := []struct {
		name, errType, nodeError string
		edit                     func(g map[string]map[string]any)
	}{
		{"missing class_type", "invalid_prompt", "", func(g map[string]map[string]any) { delete(g["4"], "class_type") }},
		{"unknown node", "missing_node_type", "", func(g map[string]map[string]any) { g["4"]["class_type"] = "Nope" }},
		{"no output", "prompt_no_outputs", "", func(g map[string]map[string]any) { delete(g, "7") }},
		{"placeholder seed", "prompt_outputs_failed_validation", "invalid_input_type",
			func(g map[string]map[string]any) { g["5"]["inputs"].(map[string]any)["seed"] = "%seed%" }},
		{"placeholder prompt", "prompt_outputs_failed_validation", "custom_validation_failed",
			func(g map[string]map[string]any) { g["2"]["inputs"].(map[string]any)["text"] = "%prompt%" }},
		{"unknown checkpoint", "prompt_outputs_failed_validation", "value_not_in_list",
			func(g map[string]map[string]any) { g["1"]["inputs"].(map[string]any)["ckpt_name"] = "other.ckpt" }},
		{"size below min", "prompt_outputs_failed_validation", "value_smaller_than_min",
			func(g map[string]map[string]any) { g["4"]["inputs"].(map[string]any)["width"] = 8 }},
		{"missing input", "prompt_outputs_failed_validation", "required_input_missing",
			func(g map[string]map[string]any) { delete(g["5"]["inputs"].(map[string]any), "steps") }},
		{"wrong link type", "prompt_outputs_failed_validation", "return_type_mismatch",
			func(g map[string]map[string]any) { g["6"]["inputs"].(map[string]any)["vae"] = []any{"1", 0} }},
	}
	for _, tc := range cases {
		status, out := post(t, fake, map[string]any{"prompt": graph(t, tc.edit), "client_id": "c"})
		require.Equal(t, http.StatusBadRequest, status, tc.name)
		assert.Equal(t, tc.errType, out["error"].(map[string]any)["type"], tc.name)
		nodeErrors := out["node_errors"].(map[string]any)
		if tc.nodeError == "" {
			assert.Empty(t, nodeErrors, tc.name)
			continue
		}
		require.Len(t, nodeErrors, 1, tc.name)
		for _, ne := range nodeErrors {
			assert.Equal(t, tc.nodeError, ne.(map[string]any)["errors"].([]any)[0].(map[string]any)["type"], tc.name)
			assert.Equal(t, []any{"7"}, ne.(map[string]any)["dependent_outputs"], tc.name)
		}
	}
	assert.Len(t, fake.Prompts(), len(cases), "refused prompts are recorded too")
}

// A queued prompt runs as ComfyUI's do, as its client's socket sees it: status first, progress per
// step, executed with the image, execution_success, then executing with node null, after which
// the history has the entry and /view the picture of the graph's size.
func TestPromptRunsAndSavesThePicture(t *testing.T) {
	t.Parallel()
	fake := comfyfake.New(t)
	ws, _, err := websocket.Dial(t.Context(), fake.URL()+"/ws?clientId=me", &websocket.DialOptions{HTTPClient: fake.Client()})
	require.NoError(t, err)
	defer ws.CloseNow()
	ws.SetReadLimit(-1)
	_, first, err := ws.Read(t.Context())
	require.NoError(t, err)
	assert.Contains(t, string(first), `"sid":"me"`)

	status, out := post(t, fake, map[string]any{"prompt": graph(t, nil), "client_id": "me"})
	require.Equal(t, http.StatusOK, status, "%v", out)
	id := out["prompt_id"].(string)
	var types []string
	for {
		typ, data, err := ws.Read(t.Context())
		require.NoError(t, err)
		if typ == websocket.MessageBinary {
			types = append(types, "preview")
			continue
		}
		var m struct {
			Type string         `json:"type"`
			Data map[string]any `json:"data"`
		}
		require.NoError(t, json.Unmarshal(data, &m))
		if m.Type == "status" || m.Type == "executing" && m.Data["node"] != nil {
			continue
		}
		types = append(types, m.Type)
		if m.Type == "executing" {
			break
		}
	}
	assert.Equal(t, []string{"execution_start", "execution_cached", "progress", "preview", "progress", "progress",
		"executed", "execution_success", "executing"}, types)

	resp, err := fake.Client().Get(fake.URL() + "/api/history/" + id)
	require.NoError(t, err)
	var history map[string]struct {
		Outputs map[string]struct {
			Images []map[string]string `json:"images"`
		} `json:"outputs"`
		Status struct {
			StatusStr string `json:"status_str"`
		} `json:"status"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&history))
	resp.Body.Close()
	require.Equal(t, "success", history[id].Status.StatusStr)
	img := history[id].Outputs["7"].Images[0]
	assert.True(t, strings.HasPrefix(img["filename"], "test_"), img["filename"])

	q := url.Values{"filename": {img["filename"]}, "subfolder": {img["subfolder"]}, "type": {img["type"]}}
	resp, err = fake.Client().Get(fake.URL() + "/view?" + q.Encode())
	require.NoError(t, err)
	defer resp.Body.Close()
	pic, err := png.Decode(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, [2]int{320, 192}, [2]int{pic.Bounds().Dx(), pic.Bounds().Dy()})
}

func TestObjectInfoListsTheSamplers(t *testing.T) {
	t.Parallel()
	fake := comfyfake.New(t, comfyfake.WithSamplers("euler", "lcm"))
	resp, err := fake.Client().Get(fake.URL() + "/object_info/KSampler")
	require.NoError(t, err)
	defer resp.Body.Close()
	var info map[string]struct {
		Input struct {
			Required map[string][]any `json:"required"`
		} `json:"input"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&info))
	assert.Equal(t, []any{"euler", "lcm"}, info["KSampler"].Input.Required["sampler_name"][0])
}
