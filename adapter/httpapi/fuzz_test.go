package httpapi

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/companionhub/companionhub/domain"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
)

// FuzzLastEventID (S5): whatever a reconnecting client sends as its resume position, the hub
// either reads a sequence number it gave out (0 to 2^53-1, only digits) or refuses it with
// invalid_last_event_id — never a negative, an overflow or a panic.
func FuzzLastEventID(f *testing.F) {
	for _, s := range []string{"", "0", "42", " 7 ", "+5", "-1", "9007199254740991", "9007199254740992",
		"99999999999999999999", "1e3", "0x10", "٣", "00012"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		r := httptest.NewRequest("GET", "/api/v1/turns/x/events", nil)
		r.Header.Set("Last-Event-ID", v)
		n, err := lastEventID(r)
		if err != nil {
			if !errors.Is(err, chatuc.ErrInvalidLastEventID) {
				t.Fatalf("%q: %v, want invalid_last_event_id", v, err)
			}
			return
		}
		if n < 0 || n > chatuc.MaxEventSeq {
			t.Fatalf("%q read as %d", v, n)
		}
		if trimmed := strings.TrimSpace(v); trimmed != "" {
			if strings.TrimLeft(trimmed, "0") != strings.TrimLeft(strconv.FormatInt(n, 10), "0") {
				t.Fatalf("%q read as %d", v, n)
			}
		}
	})
}

// FuzzReadUpload (S5): a multipart or raw upload of any shape is read into at most what was sent,
// or refused as invalid input (unreadable, too large, the file missing, a field too long) — never
// a panic, never a server error.
func FuzzReadUpload(f *testing.F) {
	form := "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\nPNGDATA\r\n" +
		"--B\r\nContent-Disposition: form-data; name=\"language\"\r\n\r\nen\r\n--B--\r\n"
	f.Add([]byte(form), true, int64(1<<20))
	f.Add([]byte("raw bytes"), false, int64(1<<20))
	f.Add([]byte(""), false, int64(16))
	f.Add([]byte("--B\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n"), true, int64(8))
	f.Add([]byte("--B--\r\n"), true, int64(1<<20))
	f.Fuzz(func(t *testing.T, body []byte, multipart bool, limit int64) {
		limit = max(1, min(limit, 1<<20))
		r := httptest.NewRequest("PUT", "/upload", bytes.NewReader(body))
		if multipart {
			r.Header.Set("Content-Type", "multipart/form-data; boundary=B")
		}
		r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, limit)
		up, err := readUpload(r, "file")
		if err != nil {
			if kind := domain.KindOf(err); kind != domain.KindInvalid {
				t.Fatalf("refused as %s: %v", kind, err)
			}
			return
		}
		if len(up.data) == 0 || int64(len(up.data)) > limit || len(up.data) > len(body) {
			t.Fatalf("read %d bytes of %d (limit %d)", len(up.data), len(body), limit)
		}
		for name, v := range up.fields {
			if len(v) > maxFormField {
				t.Fatalf("field %q kept %d bytes", name, len(v))
			}
		}
	})
}
