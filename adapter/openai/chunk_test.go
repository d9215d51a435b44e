package openai

import (
	"encoding/json"
	"errors"
	"strconv"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecodeChunk(t *testing.T) {
	t.Parallel()
	var c chunk
	require.NoError(t, decodeChunk([]byte(`{"id":"x","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi \"you\"\n","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}`), &c))
	require.Len(t, c.Choices, 1)
	assert.Equal(t, text("Hi \"you\"\n"), c.Choices[0].Delta.Content)
	assert.Empty(t, c.Choices[0].FinishReason)
	assert.False(t, c.Usage.ok)

	// The same chunk value is reused: nothing of the previous chunk may survive.
	require.NoError(t, decodeChunk([]byte(`{"choices":[{"index":0,"delta":{},"finish_reason":"stop"},{"index":1,"delta":{"content":"other"}}]}`), &c))
	require.Len(t, c.Choices, 2)
	assert.Empty(t, c.Choices[0].Delta.Content)
	assert.Equal(t, text("stop"), c.Choices[0].FinishReason)
	assert.Equal(t, 1, c.Choices[1].Index)
	require.NoError(t, decodeChunk([]byte(`{"choices":[{"delta":{}}],"usage":{"prompt_tokens":8,"completion_tokens":3.0,"total_tokens":11}}`), &c))
	require.Len(t, c.Choices, 1)
	assert.Empty(t, c.Choices[0].FinishReason)
	assert.Zero(t, c.Choices[0].Index)
	assert.Equal(t, chunkUsage{PromptTokens: 8, CompletionTokens: 3, ok: true}, c.Usage)
	require.NoError(t, decodeChunk([]byte(`{"choices":[],"usage":{"prompt_tokens":"8","completion_tokens":3}}`), &c))
	assert.Equal(t, chunkUsage{CompletionTokens: 3, ok: true}, c.Usage, "what can be read is")

	// Raw bytes of a character split across chunks are kept for runeBuffer to join.
	require.NoError(t, decodeChunk([]byte("{\"choices\":[{\"delta\":{\"content\":\" \xe4\xbb\"}}]}"), &c))
	assert.Equal(t, text(" \xe4\xbb"), c.Choices[0].Delta.Content)

	// Fields of unexpected types are left empty, as the SDK leaves them, instead of failing.
	require.NoError(t, decodeChunk([]byte(`{"choices":[{"index":"0","delta":{"content":["x"]},"finish_reason":7}],"usage":"none"}`), &c))
	require.Len(t, c.Choices, 1)
	assert.Empty(t, c.Choices[0].Delta.Content)
	assert.Equal(t, text("7"), c.Choices[0].FinishReason)
	assert.False(t, c.Usage.ok)
	require.NoError(t, decodeChunk([]byte(`{"choices":"none"}`), &c))
	assert.Empty(t, c.Choices)

	// Error objects, in any of the shapes providers use; a null error is none.
	for _, data := range []string{`{"error":{"message":"m","code":502}}`, `{"error":"overloaded"}`, `{"choices":[],"error":{"message":"m"}}`} {
		err := decodeChunk([]byte(data), &c)
		ee, ok := errors.AsType[*eventError](err)
		require.True(t, ok, "%s: %v", data, err)
		assert.Equal(t, data, string(ee.data))
	}
	require.NoError(t, decodeChunk([]byte(`{"choices":[{"delta":{"content":"a"}}],"error":null}`), &c))

	var syntax *json.SyntaxError
	for _, data := range []string{`{"choices":[`, `not json`, `{"a":1}}`, ``} {
		require.ErrorAs(t, decodeChunk([]byte(data), &c), &syntax, "%q", data)
	}
}

func TestUnquote(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		``:                   "",
		`plain`:              "plain",
		`\"\\\/\b\f\n\r\t`:   "\"\\/\b\f\n\r\t",
		`caf\u00e9 \u4eca`:   "café 今",
		`\ud83c\udf27\ufe0f`: "🌧️",
		`\ud83c`:             "\uFFFD",
		`\ud83cx`:            "\uFFFDx",
		`\udf27\ud83c`:       "\uFFFD\uFFFD",
		`\ud83c\u0041`:       "\uFFFDA",
		`a\`:                 "a",
		`\u12`:               "\uFFFD",
		"raw \xe4\xbb bytes": "raw \xe4\xbb bytes",
		"\xff\\n":            "\xff\n",
	}
	for in, want := range cases {
		assert.Equal(t, want, unquote([]byte(in)), "%q", in)
	}
}

// FuzzUnquote checks unquote against encoding/json on every valid JSON string of valid UTF-8
// (where the two must agree; on invalid UTF-8, encoding/json replaces what unquote keeps).
func FuzzUnquote(f *testing.F) {
	for _, s := range []string{`"a"`, `"\u00e9\n"`, `"\ud83c\udf27"`, `"\ud83c"`, `"\\\"x"`, strconv.Quote("日本\x01")} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, quoted string) {
		var want string
		if !utf8.ValidString(quoted) || len(quoted) < 2 || quoted[0] != '"' || quoted[len(quoted)-1] != '"' || json.Unmarshal([]byte(quoted), &want) != nil {
			return
		}
		if got := unquote([]byte(quoted[1 : len(quoted)-1])); got != want {
			t.Fatalf("unquote(%s) = %q, encoding/json: %q", quoted, got, want)
		}
	})
}
