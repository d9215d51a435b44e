package zaplog_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/companionhub/companionhub/adapter/zaplog"
	"github.com/companionhub/companionhub/envflag"
)

func TestValidate(t *testing.T) {
	for _, level := range []string{"debug", "info", "warn", "error", "INFO", "Warn"} {
		if err := (zaplog.Config{Level: level}).Validate(); err != nil {
			t.Errorf("Validate(%q) = %v", level, err)
		}
	}
	for _, level := range []string{"", "warning", "fatal", "panic", "dpanic", "trace"} {
		err := (zaplog.Config{Level: level}).Validate()
		var fe *envflag.FieldError
		if !errors.As(err, &fe) || fe.Path != "Level" {
			t.Errorf("Validate(%q) = %v, want a FieldError on Level", level, err)
		}
		if _, err := zaplog.New(zaplog.Config{Level: level}, zapcore.AddSync(&bytes.Buffer{})); err == nil {
			t.Errorf("New accepted level %q", level)
		}
	}
	if err := zaplog.DefaultConfig().Validate(); err != nil {
		t.Errorf("DefaultConfig is invalid: %v", err)
	}
}

func TestProductionLinesAreJSON(t *testing.T) {
	l, buf := newLogger(t, false)
	l.Info("started", zap.String("addr", ":8080"))
	line := strings.TrimSuffix(buf.String(), "\n")
	if strings.Contains(line, "\n") {
		t.Fatalf("want one line, got %q", line)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(line), &got); err != nil {
		t.Fatalf("not JSON: %v: %s", err, line)
	}
	iso := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)
	if ts, _ := got["time"].(string); !iso.MatchString(ts) {
		t.Errorf("time = %q, want ISO 8601 UTC with milliseconds", got["time"])
	}
	if got["level"] != "info" || got["msg"] != "started" || got["addr"] != ":8080" {
		t.Errorf("unexpected line %s", line)
	}
	if c, _ := got["caller"].(string); !strings.HasPrefix(c, "zaplog/zaplog_test.go:") {
		t.Errorf("caller = %q", got["caller"])
	}
}

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time                         { return c.t }
func (c fixedClock) NewTicker(d time.Duration) *time.Ticker { return time.NewTicker(d) }

func TestProductionTimeIsUTC(t *testing.T) {
	l, buf := newLogger(t, false)
	at := time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.FixedZone("UTC+5", 5*3600))
	l.WithOptions(zap.WithClock(fixedClock{at})).Info("m")
	if want := `"time":"2026-01-01T22:04:05.006Z"`; !strings.Contains(buf.String(), want) {
		t.Errorf("want %s in %s", want, buf)
	}
}

func TestDevelopmentLinesAreConsole(t *testing.T) {
	l, buf := newLogger(t, true)
	l.Debug("started", zap.String("addr", ":8080"), zap.String("password", "p"))
	out := buf.String()
	re := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\S+\tDEBUG\tzaplog/zaplog_test\.go:\d+\tstarted\t\{"addr": ":8080", "password": "\[REDACTED\]"\}\n$`)
	if !re.MatchString(out) {
		t.Errorf("unexpected console line %q", out)
	}
}

func TestStdLoggerWritesWarnEntries(t *testing.T) {
	l, buf := newLogger(t, false)
	std := zaplog.NewStdLogger(l.With(zap.String("component", "http_server")))
	std.Printf("http: TLS handshake error from %s: EOF\n", "192.0.2.1:5555")
	var got map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("not JSON: %v: %s", err, buf)
	}
	want := map[string]any{
		"level": "warn", "msg": "standard library log", "component": "http_server",
		"error": "http: TLS handshake error from 192.0.2.1:5555: EOF",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if c, _ := got["caller"].(string); !strings.HasPrefix(c, "zaplog/zaplog_test.go:") {
		t.Errorf("caller = %q, want the line that called Printf", got["caller"])
	}

	var quiet bytes.Buffer
	el, err := zaplog.New(zaplog.Config{Level: "error"}, zapcore.AddSync(&quiet))
	if err != nil {
		t.Fatal(err)
	}
	zaplog.NewStdLogger(el).Print("below the level")
	if quiet.Len() != 0 {
		t.Errorf("warn written at level error: %s", quiet.String())
	}
}
