package httpapi

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"

	"github.com/companionhub/companionhub/domain"
)

// readJSONBody reads a JSON request body whole (the route's size limit applies).
func readJSONBody(r *http.Request) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && mt != "application/merge-patch+json") {
			return nil, domain.E(domain.KindInvalid, reasonUnsupportedMedia, "send the body as application/json")
		}
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, readError(err)
	}
	if len(data) == 0 {
		return nil, domain.E(domain.KindInvalid, "empty_body", "the request body is empty; send a JSON object")
	}
	return data, nil
}

// upload is a file sent either as the raw request body or as one part of a multipart form, with the
// form's other (small) fields.
type upload struct {
	data   []byte
	fields map[string]string
}

// maxFormField bounds the plain fields sent alongside a file.
const maxFormField = 1 << 10

// readUpload reads the file a request carries: the part named part of a multipart/form-data body, or
// else the whole body. The route's size limit applies to either.
func readUpload(r *http.Request, part string) (upload, error) {
	up := upload{fields: map[string]string{}}
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		data, err := io.ReadAll(r.Body)
		if err != nil {
			return up, readError(err)
		}
		up.data = data
		return up, requireData(up.data, part)
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return up, readError(err)
		}
		name := p.FormName()
		switch {
		case name == part && up.data == nil:
			if up.data, err = io.ReadAll(p); err != nil {
				return up, readError(err)
			}
		case p.FileName() == "":
			v, err := io.ReadAll(io.LimitReader(p, maxFormField+1))
			if err != nil {
				return up, readError(err)
			}
			if len(v) > maxFormField {
				return up, domain.Invalid(domain.Violation(name, "too_long", "form field is too long"))
			}
			up.fields[name] = string(v)
		}
		_ = p.Close()
	}
	return up, requireData(up.data, part)
}

func requireData(data []byte, part string) error {
	if len(data) == 0 {
		return domain.Invalid(domain.Violation(part, "required", "send the file as the request body or as the form field \""+part+"\""))
	}
	return nil
}

// readError classifies a failure to read the request body.
func readError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return domain.E(domain.KindInvalid, reasonBodyTooLarge, "the request body is too large")
	}
	return domain.E(domain.KindInvalid, "unreadable_body", "the request body could not be read")
}
