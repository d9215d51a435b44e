package openai

import (
	"bytes"
	"encoding/json"
	"errors"
	"unicode/utf16"
	"unicode/utf8"
)

// chunk is the part of a chat.completion.chunk that the adapter reads. Decoding only these
// fields with encoding/json costs a fraction of the SDK's ChatCompletionChunk, which keeps every
// field's raw JSON and metadata; at a thousand concurrent streams the difference is most of the
// adapter's CPU.
type chunk struct {
	Choices []chunkChoice   `json:"choices"`
	Usage   chunkUsage      `json:"usage"`
	Error   json.RawMessage `json:"error"`
}

type chunkChoice struct {
	Index int `json:"index"`
	Delta struct {
		Content text `json:"content"`
		Refusal text `json:"refusal"`
	} `json:"delta"`
	FinishReason text `json:"finish_reason"`
}

// chunkUsage is the usage object, when the chunk has one (ok): OpenAI sends "usage": null in
// every chunk but the last. Counts are floats so that a server writing 12.0 is read, as the SDK
// reads it.
type chunkUsage struct {
	PromptTokens, CompletionTokens float64
	ok                             bool
}

func (u *chunkUsage) UnmarshalJSON(b []byte) error {
	if len(b) == 0 || b[0] != '{' {
		*u = chunkUsage{}
		return nil
	}
	var v struct {
		PromptTokens     float64 `json:"prompt_tokens"`
		CompletionTokens float64 `json:"completion_tokens"`
	}
	err := json.Unmarshal(b, &v)
	*u = chunkUsage{PromptTokens: v.PromptTokens, CompletionTokens: v.CompletionTokens, ok: true}
	return ignoreTypeErrors(err)
}

// eventError is an error object sent in place of a chunk (OpenRouter and vLLM send them when
// generation fails midway). data is the whole event, for streamEventError.
type eventError struct {
	data []byte
}

func (e *eventError) Error() string { return "openai: the stream sent an error event" }

// decodeChunk reads one event's data into c, reusing c's memory. An event holding a non-null
// "error" is an *eventError. Like the SDK, it reads what it can of a chunk whose fields have
// unexpected types (they are left empty) and fails only on data that is not JSON.
func decodeChunk(data []byte, c *chunk) error {
	clear(c.Choices[:cap(c.Choices)]) // encoding/json decodes into old elements without zeroing them
	*c = chunk{Choices: c.Choices[:0]}
	err := ignoreTypeErrors(json.Unmarshal(data, c))
	if err == nil && len(c.Error) > 0 && string(c.Error) != "null" {
		return &eventError{data: bytes.Clone(data)}
	}
	return err
}

// ignoreTypeErrors drops the error encoding/json returns for values of the wrong type, which it
// leaves empty after decoding the rest.
func ignoreTypeErrors(err error) error {
	if _, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		return nil
	}
	return err
}

// text is a JSON string decoded without encoding/json's replacement of invalid UTF-8: a
// byte-level tokenizer (llama.cpp) sends half a character per chunk as raw bytes, and runeBuffer
// needs those bytes to put the character back together. A number or boolean is kept as written
// and an object or array is ignored, as the SDK does.
type text string

func (t *text) UnmarshalJSON(b []byte) error {
	switch {
	case len(b) >= 2 && b[0] == '"':
		*t = text(unquote(b[1 : len(b)-1]))
	case len(b) == 0 || b[0] == '{' || b[0] == '[' || string(b) == "null":
		*t = ""
	default:
		*t = text(b)
	}
	return nil
}

// unquote decodes the escapes of a JSON string's contents and copies every other byte as it is.
// Unpaired surrogates become U+FFFD, as in encoding/json. s comes from input encoding/json has
// validated; escapes cut short are dropped rather than read past the end.
func unquote(s []byte) string {
	i := bytes.IndexByte(s, '\\')
	if i < 0 {
		return string(s)
	}
	out := make([]byte, 0, len(s))
	for i >= 0 {
		out = append(out, s[:i]...)
		s = s[i+1:]
		if len(s) == 0 {
			break
		}
		n := 1
		switch s[0] {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r := hex4(s[1:])
			n = 5
			if utf16.IsSurrogate(r) {
				if len(s) >= 11 && s[5] == '\\' && s[6] == 'u' {
					if pair := utf16.DecodeRune(r, hex4(s[7:])); pair != utf8.RuneError {
						r, n = pair, 11
					}
				}
				if n == 5 {
					r = utf8.RuneError
				}
			}
			if r < 0 {
				r, n = utf8.RuneError, min(n, len(s))
			}
			out = utf8.AppendRune(out, r)
		default: // '"', '\\', '/'
			out = append(out, s[0])
		}
		s = s[n:]
		i = bytes.IndexByte(s, '\\')
	}
	return string(append(out, s...))
}

// hex4 reads the four hex digits of a \u escape; -1 when they are missing or not hex.
func hex4(s []byte) rune {
	if len(s) < 4 {
		return -1
	}
	var r rune
	for _, c := range s[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}
