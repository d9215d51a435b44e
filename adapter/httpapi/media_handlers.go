package httpapi

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/companionhub/companionhub/internal/spans"
	"github.com/companionhub/companionhub/usecase/logkey"
	mediauc "github.com/companionhub/companionhub/usecase/media"
)

// serveMedia streams a stored file to whoever may see it: its owner (cookie or bearer), or anyone
// for the header of a published companion. Keys are random and their content never changes, so the
// ETag is the key itself, and caches may keep a public file for a year; a private one is asked for
// again every time (answered 304, after the access check, while it is unchanged).
func (s *Server) serveMedia(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("dir") + "/" + r.PathValue("file")
	// An invalid credential here is an anonymous viewer, not an error: public files stay public.
	viewer, _ := s.identify(r)
	opened, err := s.media.Open.Handle(r.Context(), mediauc.Open{Viewer: viewer.UserID, Key: key})
	if err != nil {
		writeError(w, r, err)
		return
	}
	defer opened.Body.Close()
	etag := `"` + strings.NewReplacer("/", "-", ".", "-").Replace(key) + `"`
	h := w.Header()
	h.Set("ETag", etag)
	if opened.Public {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		// A private file is someone's own picture or voice: a browser asks again each time (a
		// 304 after the access check, no body), so that one signed out or erased stops seeing it
		// and a shared device's cache answers nothing by itself.
		h.Set("Cache-Control", "private, no-cache")
		h.Set("Vary", "Cookie, Authorization")
	}
	// Stored files are pictures and sounds, never documents: nothing in one may run.
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	if etagMatches(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", opened.Item.ContentType.String())
	if rs, ok := opened.Body.(io.ReadSeeker); ok {
		// Ranges, so that players can seek in a voice: net/http's (206, 416, If-Range on the
		// ETag), over a body that seeks (the blob store's does). A request for the whole file is
		// streamed as it is, without the seeks that would open the blob twice.
		h.Set("Accept-Ranges", "bytes")
		if r.Header.Get("Range") != "" {
			http.ServeContent(w, r, "", time.Time{}, rs)
			return
		}
	}
	h.Set("Content-Length", strconv.FormatInt(opened.Item.Bytes, 10))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	if _, err := io.Copy(w, opened.Body); err != nil {
		s.log.Warn("media stream interrupted", append([]zap.Field{zap.String(logkey.RequestID, requestIDFrom(r.Context())),
			zap.Error(err)}, spans.LogFields(r.Context())...)...)
	}
}

// etagMatches implements If-None-Match's weak comparison over a list (or *).
func etagMatches(header, etag string) bool {
	for _, v := range strings.Split(header, ",") {
		v = strings.TrimPrefix(strings.TrimSpace(v), "W/")
		if v == etag || v == "*" {
			return true
		}
	}
	return false
}
