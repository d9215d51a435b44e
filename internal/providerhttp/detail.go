package providerhttp

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Detail is what a provider said about an error, read from an OpenAI-style error body, for the
// log: never for clients.
type Detail struct {
	Message, Type, Code, Param string
	// Raw is the body itself, as valid UTF-8 and cut after 300 bytes.
	Raw string
}

// ParseDetail reads the error shapes OpenAI-compatible servers use: OpenAI's
// {"error":{"message","type","code","param"}}, a plain {"error":"…"} (Ollama's), and the same
// fields at the top level (vLLM's). Codes and params sent as numbers are kept as their text;
// anything else is kept raw only.
func ParseDetail(body []byte) Detail {
	raw := strings.ToValidUTF8(string(body), "\uFFFD")
	if len(raw) > 300 {
		raw = raw[:300] + "…"
	}
	type fields struct {
		Message string          `json:"message"`
		Type    string          `json:"type"`
		Code    json.RawMessage `json:"code"`
		Param   json.RawMessage `json:"param"`
	}
	var v struct {
		Error json.RawMessage `json:"error"`
		fields
	}
	if json.Unmarshal(body, &v) != nil {
		return Detail{Raw: raw}
	}
	var s string
	if json.Unmarshal(v.Error, &s) == nil {
		return Detail{Message: s, Raw: raw}
	}
	f := v.fields
	var inner fields
	if len(v.Error) > 0 && json.Unmarshal(v.Error, &inner) == nil {
		f = inner
	}
	return Detail{Message: f.Message, Type: f.Type, Code: scalar(f.Code), Param: scalar(f.Param), Raw: raw}
}

// String is the detail for an error's cause: its fields when the body had them (param only when
// set), else the quoted body.
func (d Detail) String() string {
	switch {
	case d.Message == "" && d.Type == "" && d.Code == "":
		return fmt.Sprintf("body %q", d.Raw)
	case d.Param != "":
		return fmt.Sprintf("type=%q code=%q param=%q message=%q", d.Type, d.Code, d.Param, d.Message)
	default:
		return fmt.Sprintf("type=%q code=%q message=%q", d.Type, d.Code, d.Message)
	}
}

// Mentions reports whether the code or the type holds one of words (in lower case), whatever
// their case: how an adapter recognises a family of errors (content filters, say) across servers
// that name them differently.
func (d Detail) Mentions(words ...string) bool {
	s := strings.ToLower(d.Code + " " + d.Type)
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// scalar renders a field that providers send as a string, a number or null.
func scalar(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}
