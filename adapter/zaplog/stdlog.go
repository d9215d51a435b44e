package zaplog

import (
	"log"
	"strings"

	"go.uber.org/zap"

	"github.com/companionhub/companionhub/usecase/logkey"
)

// stdLogCallerSkip steps over stdWriter.Write, log.(*Logger).output and log.(*Logger).Print*, so
// "caller" is the code that called the standard logger (e.g. net/http's server).
const stdLogCallerSkip = 3

// NewStdLogger adapts l for APIs that want a *log.Logger, such as http.Server.ErrorLog. Each line
// becomes a warn entry with the static message "standard library log" and the line's text under
// the "error" key, rather than zap.NewStdLog's line-as-message, so messages stay static (STYLE
// rule 7) and a dashboard can count them.
func NewStdLogger(l *zap.Logger) *log.Logger {
	return log.New(&stdWriter{l: l.WithOptions(zap.AddCallerSkip(stdLogCallerSkip))}, "", 0)
}

type stdWriter struct{ l *zap.Logger }

func (w *stdWriter) Write(p []byte) (int, error) {
	w.l.Warn("standard library log", zap.String(logkey.Error, strings.TrimRight(string(p), "\r\n")))
	return len(p), nil
}
