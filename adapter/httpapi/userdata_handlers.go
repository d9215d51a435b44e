package httpapi

import (
	"fmt"
	"io"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/companionhub/companionhub/adapter/httpapi/exportzip"
	"github.com/companionhub/companionhub/domain/account"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/media"
	accountuc "github.com/companionhub/companionhub/usecase/account"
	"github.com/companionhub/companionhub/usecase/logkey"
	"github.com/companionhub/companionhub/usecase/usage"
	"github.com/companionhub/companionhub/usecase/userdata"
)

type eraseRequest struct {
	Password string `json:"password"`
}

// deleteMe erases the caller's account and everything that is theirs, once they gave their
// password; the session cookie goes with it.
func (s *Server) deleteMe(w http.ResponseWriter, r *http.Request) {
	var in eraseRequest
	if err := decodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	if _, err := s.userData.Erase.Handle(r.Context(), userdata.Erase{UserID: principalFrom(r.Context()).UserID,
		Password: in.Password}); err != nil {
		writeError(w, r, err)
		return
	}
	s.clearSessionCookie(w, r)
	w.WriteHeader(http.StatusNoContent)
}

// exportMe streams the caller's data as a zip (adapter/exportzip's layout). The response starts
// with the export's first part, so a refusal before it (the rate limit) is an answer of its own;
// a failure once the archive began cuts the response short — the client sees a broken download,
// never a truncated zip taken for a whole one.
func (s *Server) exportMe(w http.ResponseWriter, r *http.Request) {
	owner := principalFrom(r.Context()).UserID
	u, err := s.accounts.GetMe.Handle(r.Context(), accountuc.GetMe{UserID: owner})
	if err != nil {
		writeError(w, r, err)
		return
	}
	now := time.Now().UTC()
	sink := &lazyZip{start: func() (*exportzip.Writer, error) {
		h := w.Header()
		h.Set("Content-Type", "application/zip")
		h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="companionhub-%s-%s.zip"`, u.Username(), now.Format("2006-01-02")))
		w.WriteHeader(http.StatusOK)
		// As long as the data takes, but each write within streamWriteTimeout: a client that stopped
		// reading is let go.
		return exportzip.New(deadlineWriter{w: w, rc: http.NewResponseController(w)}, now)
	}}
	_, err = s.userData.Export.Handle(r.Context(), userdata.Export{UserID: owner, Sink: sink})
	if err == nil {
		err = sink.close()
	}
	switch {
	case err == nil:
	case sink.zw == nil:
		writeError(w, r, err)
	case r.Context().Err() == nil:
		s.log.Error("export cut short", zap.String(logkey.UserID, owner.String()), zap.Error(err))
		panic(http.ErrAbortHandler)
	}
}

// lazyZip is a userdata.Sink that starts the response and the zip at the export's first part.
type lazyZip struct {
	start func() (*exportzip.Writer, error)
	zw    *exportzip.Writer
}

func (l *lazyZip) open() (*exportzip.Writer, error) {
	if l.zw != nil {
		return l.zw, nil
	}
	zw, err := l.start()
	l.zw = zw
	return zw, err
}

func (l *lazyZip) close() error {
	zw, err := l.open() // an export with nothing in it is still a zip
	if err != nil {
		return err
	}
	return zw.Close()
}

func (l *lazyZip) Account(u *account.User) error {
	zw, err := l.open()
	if err != nil {
		return err
	}
	return zw.Account(u)
}

func (l *lazyZip) Companion(c *companion.Companion, d userdata.CompanionData) error {
	zw, err := l.open()
	if err != nil {
		return err
	}
	return zw.Companion(c, d)
}

func (l *lazyZip) Usage(r usage.Report) error {
	zw, err := l.open()
	if err != nil {
		return err
	}
	return zw.Usage(r)
}

func (l *lazyZip) Rooms(rooms []userdata.RoomData) error {
	zw, err := l.open()
	if err != nil {
		return err
	}
	return zw.Rooms(rooms)
}

func (l *lazyZip) File(it media.Item, body io.Reader) error {
	zw, err := l.open()
	if err != nil {
		return err
	}
	return zw.File(it, body)
}

// deadlineWriter gives each write its own deadline.
type deadlineWriter struct {
	w  io.Writer
	rc *http.ResponseController
}

func (d deadlineWriter) Write(p []byte) (int, error) {
	_ = d.rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
	return d.w.Write(p)
}
