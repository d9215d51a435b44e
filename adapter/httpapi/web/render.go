package web

import (
	"bytes"
	"compress/gzip"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/account"
)

//go:embed templates
var templateFS embed.FS

// pages are the parsed templates: each page is the layout with that page's blocks.
type pages struct {
	byName map[string]*template.Template
}

func loadPages(a *assets) (*pages, error) {
	funcs := template.FuncMap{
		"asset": a.path,
		"join":  func(list []string, sep string) string { return strings.Join(list, sep) },
		"list":  func(items ...string) []string { return items },
		"local": localTime,
		"lines": func(list []string) string { return strings.Join(list, "\n") },
		"date":  func(t time.Time) string { return t.UTC().Format("2 Jan 2006, 15:04 UTC") },
		"dict": func(kv ...any) (map[string]any, error) {
			if len(kv)%2 != 0 {
				return nil, fmt.Errorf("dict: odd number of arguments")
			}
			m := make(map[string]any, len(kv)/2)
			for i := 0; i < len(kv); i += 2 {
				k, ok := kv[i].(string)
				if !ok {
					return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
				}
				m[k] = kv[i+1]
			}
			return m, nil
		},
		"initial": func(name string) string {
			for _, r := range name {
				return strings.ToUpper(string(r))
			}
			return "?"
		},
	}
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("web templates: %w", err)
	}
	files, err := fs.Glob(templateFS, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, f := range files {
		t, err := template.Must(layout.Clone()).ParseFS(templateFS, f)
		if err != nil {
			return nil, fmt.Errorf("web template %s: %w", f, err)
		}
		p.byName[strings.TrimSuffix(path.Base(f), ".html")] = t
	}
	return p, nil
}

// view is what every page template gets.
type view struct {
	Title string
	Page  string        // names the page's script behaviour (the body's data-page)
	User  *account.User // nil: signed out
	Data  any
	// Form is what the person sent, shown again with the problems found in it.
	Form    url.Values
	Errors  map[string]string // field → what is wrong with it
	Problem string            // what went wrong, for the whole form
	Hints   []string
	Notice  string
	Feature Features
}

// Value is the sent value of a form field, for templates ({{.Value "name"}}).
func (v view) Value(field string) string { return v.Form.Get(field) }

// Err is the problem with a field ("" when none).
func (v view) Err(field string) string { return v.Errors[field] }

// render writes the page with status, compressed when the browser takes it.
func (s *Site) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) {
	t, ok := s.pages.byName[name]
	if !ok {
		s.d.Log.Error("web: no such page template", zap.String("page", name))
		http.Error(w, "page missing", http.StatusInternalServerError)
		return
	}
	v.Feature = s.d.Features
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", v); err != nil {
		s.d.Log.Error("web: render page", zap.String("page", name), zap.Error(err))
		http.Error(w, "the page could not be shown", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Vary", "Accept-Encoding, Cookie")
	body := buf.Bytes()
	if acceptsGzip(r) {
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		_, _ = zw.Write(body)
		_ = zw.Close()
		h.Set("Content-Encoding", "gzip")
		body = z.Bytes()
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// errorPage shows a problem as a page of its own.
func (s *Site) errorPage(w http.ResponseWriter, r *http.Request, status int, message string) {
	s.render(w, r, status, "error", view{Title: http.StatusText(status), Page: "error",
		User: s.userOf(r), Data: message})
}

// fail shows what a use case refused: the page's form again with the problems, or an error page.
func (s *Site) fail(w http.ResponseWriter, r *http.Request, err error, form string, v view) {
	status, msg := statusOf(err)
	if status == http.StatusInternalServerError {
		s.d.Log.Error("web: request failed", zap.String("path", r.URL.Path), zap.Error(err))
	}
	if form == "" {
		s.errorPage(w, r, status, msg)
		return
	}
	v.Errors = map[string]string{}
	for _, f := range domain.Violations(err) {
		if _, seen := v.Errors[f.Field]; !seen {
			v.Errors[f.Field] = f.Message
		}
	}
	v.Problem = msg
	if e := domain.AsError(err); e != nil {
		v.Hints = e.Hints
	}
	s.render(w, r, status, form, v)
}

// statusOf is the status and the safe message of an error.
func statusOf(err error) (int, string) {
	e := domain.AsError(err)
	if e == nil || e.Kind == domain.KindInternal {
		return http.StatusInternalServerError, "Something went wrong on our side. Please try again."
	}
	msg := e.Message
	if len(e.Fields) > 0 && e.Kind == domain.KindInvalid {
		msg = "Please correct the fields marked below."
	}
	switch e.Kind {
	case domain.KindInvalid:
		return http.StatusUnprocessableEntity, msg
	case domain.KindUnauthenticated:
		return http.StatusUnauthorized, msg
	case domain.KindForbidden:
		return http.StatusForbidden, msg
	case domain.KindNotFound:
		return http.StatusNotFound, msg
	case domain.KindConflict:
		return http.StatusConflict, msg
	case domain.KindRateLimited:
		if e.RetryAfter > 0 {
			msg += fmt.Sprintf(" Try again in %s.", e.RetryAfter.Round(time.Second))
		}
		return http.StatusTooManyRequests, msg
	default:
		return http.StatusServiceUnavailable, msg
	}
}

// parsed reads a posted form, answering a page that says so when it cannot be read.
func (s *Site) parsed(w http.ResponseWriter, r *http.Request) bool {
	if err := r.ParseForm(); err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "The form could not be read.")
		return false
	}
	return true
}

// seeOther sends the browser to another page after a form (post/redirect/get).
func seeOther(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}
