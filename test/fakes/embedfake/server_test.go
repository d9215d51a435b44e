package embedfake_test

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/test/fakes/embedfake"
)

// post sends body to the embeddings endpoint under base and returns the answer's status and body.
func post(t *testing.T, s *embedfake.Server, ctx context.Context, base, body string, header ...string) (*http.Response, []byte, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/embeddings", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

type wireAnswer struct {
	Object string `json:"object"`
	Data   []struct {
		Object    string          `json:"object"`
		Index     *int            `json:"index"`
		Embedding json.RawMessage `json:"embedding"`
	} `json:"data"`
	Model string         `json:"model"`
	Usage map[string]int `json:"usage"`
	Error *struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Code    *string `json:"code"`
		Param   *string `json:"param"`
	} `json:"error"`
}

// call posts body and decodes the answer, requiring status.
func call(t *testing.T, s *embedfake.Server, status int, body string, header ...string) wireAnswer {
	t.Helper()
	resp, b, err := post(t, s, t.Context(), s.URL(), body, header...)
	require.NoError(t, err)
	require.Equal(t, status, resp.StatusCode, string(b))
	var a wireAnswer
	require.NoError(t, json.Unmarshal(b, &a), string(b))
	return a
}

// floats decodes the embedding of a float answer.
func floats(t *testing.T, raw json.RawMessage) []float32 {
	t.Helper()
	var v []float32
	require.NoError(t, json.Unmarshal(raw, &v), string(raw))
	return v
}

func cosine(a, b []float32) float64 {
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	return dot / math.Sqrt(na*nb)
}

func TestAnswersOneUnitVectorPerTextInOrder(t *testing.T) {
	t.Parallel()
	s := embedfake.New(t, embedfake.WithAPIKey("sk-fake"))
	a := call(t, s, 200, `{"model":"text-embedding-3-small","input":["I love my sister Anna","Anna is my sister","The train leaves at noon"],"encoding_format":"float"}`,
		"Authorization", "Bearer sk-fake")
	assert.Equal(t, "list", a.Object)
	assert.Equal(t, embedfake.TextEmbedding3Small, a.Model)
	assert.Positive(t, a.Usage["total_tokens"])
	require.Len(t, a.Data, 3)
	vs := make([][]float32, 3)
	for i, d := range a.Data {
		assert.Equal(t, "embedding", d.Object)
		require.NotNil(t, d.Index)
		assert.Equal(t, i, *d.Index)
		vs[i] = floats(t, d.Embedding)
		assert.Len(t, vs[i], embedfake.DefaultDimensions)
		assert.InDelta(t, 1, cosine(vs[i], vs[i]), 1e-6)
		assert.Equal(t, s.Vector(embedfake.TextEmbedding3Small, []string{"I love my sister Anna", "Anna is my sister", "The train leaves at noon"}[i]), vs[i])
	}
	assert.Greater(t, cosine(vs[0], vs[1]), 0.7)
	assert.Less(t, cosine(vs[0], vs[2]), 0.3)

	reqs := s.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "/v1/embeddings", reqs[0].Path)
	assert.Equal(t, []string{"encoding_format", "input", "model"}, reqs[0].Params)
	assert.Len(t, reqs[0].Input, 3)
	require.NotNil(t, reqs[0].EncodingFormat)
	assert.Nil(t, reqs[0].Dimensions)
}

func TestRootPathStringInputAndBase64(t *testing.T) {
	t.Parallel()
	s := embedfake.New(t)
	resp, b, err := post(t, s, t.Context(), s.RootURL(), `{"model":"nomic-embed-text","input":"hello there","encoding_format":"base64"}`)
	require.NoError(t, err)
	require.Equal(t, 200, resp.StatusCode, string(b))
	var a wireAnswer
	require.NoError(t, json.Unmarshal(b, &a))
	require.Len(t, a.Data, 1)
	var b64 string
	require.NoError(t, json.Unmarshal(a.Data[0].Embedding, &b64))
	raw, err := base64.StdEncoding.DecodeString(b64)
	require.NoError(t, err)
	v := make([]float32, len(raw)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	assert.Equal(t, s.Vector(embedfake.NomicEmbedText, "hello there"), v)
	assert.Equal(t, "/embeddings", s.Requests()[0].Path)
}

// TestMeaning: synonyms put texts that share no word together; without them, and across models,
// such texts are unrelated.
func TestMeaning(t *testing.T) {
	t.Parallel()
	memory, question := "My sister Zelda visits next week", "When does your sibling come over?"
	plain := embedfake.New(t)
	assert.Less(t, cosine(plain.Vector(embedfake.NomicEmbedText, memory), plain.Vector(embedfake.NomicEmbedText, question)), 0.3)

	s := embedfake.New(t, embedfake.WithSynonyms(map[string]string{"Sibling": "sister", "come": "visits"}))
	m, q := s.Vector(embedfake.NomicEmbedText, memory), s.Vector(embedfake.NomicEmbedText, question)
	assert.Greater(t, cosine(m, q), 0.5)
	assert.InDelta(t, 1, cosine(s.Vector(embedfake.NomicEmbedText, "my sibling"), s.Vector(embedfake.NomicEmbedText, "MY SISTER")), 1e-6)

	other := s.Vector(embedfake.TextEmbedding3Small, memory)
	assert.Less(t, cosine(m, other), 0.5, "another model's vectors are unrelated")
	assert.NotEmpty(t, s.Vector(embedfake.NomicEmbedText, "Who am I?"), "stop words only still embed")
}

func TestDimensions(t *testing.T) {
	t.Parallel()
	s := embedfake.New(t, embedfake.WithDimensions(64))
	a := call(t, s, 200, `{"model":"text-embedding-3-large","input":["a short one"],"dimensions":32}`)
	assert.Len(t, floats(t, a.Data[0].Embedding), 32)
	a = call(t, s, 200, `{"model":"text-embedding-3-large","input":["a short one"]}`)
	assert.Len(t, floats(t, a.Data[0].Embedding), 64)
	require.NotNil(t, s.Requests()[0].Dimensions)
	assert.Equal(t, 32, *s.Requests()[0].Dimensions)
}

// TestValidation: what OpenAI refuses, the fake refuses with OpenAI's status, code and param, and
// the provider text tests look for.
func TestValidation(t *testing.T) {
	t.Parallel()
	s := embedfake.New(t, embedfake.WithAPIKey("sk-right"), embedfake.WithMaxInputs(2), embedfake.WithErrorMessage("provider words"))
	auth := []string{"Authorization", "Bearer sk-right"}
	for _, tc := range []struct {
		name, body  string
		header      []string
		status      int
		code, param string
	}{
		{"wrong key", `{"model":"nomic-embed-text","input":"x"}`, []string{"Authorization", "Bearer sk-wrong"}, 401, "invalid_api_key", ""},
		{"not JSON", `{"model":`, auth, 400, "invalid_json", ""},
		{"unknown parameter", `{"model":"nomic-embed-text","input":"x","seed":1}`, auth, 400, "unknown_parameter", "seed"},
		{"no input", `{"model":"nomic-embed-text"}`, auth, 400, "missing_required_parameter", "input"},
		{"empty text", `{"model":"nomic-embed-text","input":["x",""]}`, auth, 400, "invalid_value", "input"},
		{"no texts", `{"model":"nomic-embed-text","input":[]}`, auth, 400, "invalid_value", "input"},
		{"tokens", `{"model":"nomic-embed-text","input":[1,2,3]}`, auth, 400, "invalid_value", "input"},
		{"too many texts", `{"model":"nomic-embed-text","input":["a","b","c"]}`, auth, 400, "array_above_max_length", "input"},
		{"unknown model", `{"model":"embed-9","input":"x"}`, auth, 404, "model_not_found", "model"},
		{"encoding", `{"model":"nomic-embed-text","input":"x","encoding_format":"int8"}`, auth, 400, "invalid_value", "encoding_format"},
		{"ada cannot shorten", `{"model":"text-embedding-ada-002","input":"x","dimensions":8}`, auth, 400, "", "dimensions"},
		{"too long", `{"model":"text-embedding-3-small","input":"x","dimensions":4096}`, auth, 400, "invalid_value", "dimensions"},
	} {
		a := call(t, s, tc.status, tc.body, tc.header...)
		require.NotNil(t, a.Error, tc.name)
		assert.Contains(t, a.Error.Message, "provider words", tc.name)
		if tc.code == "" {
			assert.Nil(t, a.Error.Code, tc.name)
		} else if assert.NotNil(t, a.Error.Code, tc.name) {
			assert.Equal(t, tc.code, *a.Error.Code, tc.name)
		}
		if tc.param != "" && assert.NotNil(t, a.Error.Param, tc.name) {
			assert.Equal(t, tc.param, *a.Error.Param, tc.name)
		}
	}
	a := call(t, s, 401, `{"model":"nomic-embed-text","input":"x"}`, "Authorization", "Bearer sk-quoted")
	assert.Contains(t, a.Error.Message, "sk-quoted", "like OpenAI's, the 401 quotes the key it was given")
	assert.Len(t, s.Requests(), 13, "refused requests are recorded too")
}

// TestBehaviours: the script is answered in order, then the default.
func TestBehaviours(t *testing.T) {
	t.Parallel()
	s := embedfake.New(t)
	s.Script(embedfake.RateLimited("7"), embedfake.Error(501), embedfake.Reversed(), embedfake.MissingVector(),
		embedfake.ShortVector(), embedfake.ZeroVector(), embedfake.NoIndex())
	body := `{"model":"nomic-embed-text","input":["one","two","three"]}`

	resp, b, err := post(t, s, t.Context(), s.URL(), body)
	require.NoError(t, err)
	assert.Equal(t, 429, resp.StatusCode)
	assert.Equal(t, "7", resp.Header.Get("Retry-After"))
	assert.Contains(t, string(b), "rate_limit_exceeded")

	a := call(t, s, 501, body)
	assert.Contains(t, a.Error.Message, "does not support embeddings")

	a = call(t, s, 200, body)
	require.Len(t, a.Data, 3)
	assert.Equal(t, 2, *a.Data[0].Index)
	assert.Equal(t, s.Vector(embedfake.NomicEmbedText, "three"), floats(t, a.Data[0].Embedding))

	assert.Len(t, call(t, s, 200, body).Data, 2)
	a = call(t, s, 200, body)
	assert.Len(t, floats(t, a.Data[2].Embedding), embedfake.DefaultDimensions-1)
	a = call(t, s, 200, body)
	assert.Equal(t, make([]float32, embedfake.DefaultDimensions), floats(t, a.Data[2].Embedding))
	a = call(t, s, 200, body)
	assert.Nil(t, a.Data[0].Index)

	assert.Len(t, call(t, s, 200, body).Data, 3, "the default once the script is used up")
}

func TestBrokenAnswers(t *testing.T) {
	t.Parallel()
	s := embedfake.New(t)
	s.Script(embedfake.Malformed(), embedfake.WrongContentType())
	body := `{"model":"nomic-embed-text","input":"x"}`
	resp, b, err := post(t, s, t.Context(), s.URL(), body)
	require.NoError(t, err)
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	assert.Error(t, json.Unmarshal(b, new(any)))
	resp, _, err = post(t, s, t.Context(), s.URL(), body)
	require.NoError(t, err)
	assert.Contains(t, resp.Header.Get("Content-Type"), "text/html")
}

// TestHangEndsWithTheClient: a hanging answer stops when the client leaves.
func TestHangEndsWithTheClient(t *testing.T) {
	t.Parallel()
	s := embedfake.New(t, embedfake.WithBehaviour(embedfake.Hang()))
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() {
		_, _, err := post(t, s, ctx, s.URL(), `{"model":"nomic-embed-text","input":"x"}`)
		errc <- err
	}()
	awaittest.Closed(t, s.Arrived(1), "the request's arrival")
	cancel()
	assert.ErrorIs(t, awaittest.Recv(t, errc, "the client's end"), context.Canceled)
}

func TestOtherRoutes(t *testing.T) {
	t.Parallel()
	s := embedfake.New(t)
	resp, err := s.Client().Get(s.URL() + "/embeddings")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	resp, err = s.Client().Get(s.URL() + "/models")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}
