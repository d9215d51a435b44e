// Package logkey holds every structured-log field key of the project, so that the same fact is
// always logged under the same name and redaction rules can name the keys they guard.
package logkey

// Keys for structured log fields. snake_case; add new ones here, never inline.
const (
	RequestID  = "request_id"
	TraceID    = "trace_id"
	SpanID     = "span_id"
	Method     = "method"
	Route      = "route"
	Path       = "path"
	Status     = "status"
	Duration   = "duration"
	Bytes      = "bytes"
	ClientIP   = "client_ip"
	UserAgent  = "user_agent"
	UserID     = "user_id"
	SessionID  = "session_id"
	UseCase    = "use_case"
	Kind       = "kind"
	Reason     = "reason"
	Error      = "error"
	Panic      = "panic"
	Stack      = "stack"
	Rule       = "rule"
	Component  = "component"
	Addr       = "addr"
	Dialect    = "dialect"
	Migrations = "migrations"
	Version    = "version"
	Count      = "count"
	Failed     = "failed"
	Command    = "command"
	TurnID     = "turn_id"
	Step       = "step"
	Attempt    = "attempt"
	Budget     = "budget"
	TaskQueue  = "task_queue"
	ScheduleID = "schedule_id"
	Due        = "due"
	MediaKey   = "media_key"
	Action     = "action"
	Orphans    = "orphans"
	Leftovers  = "leftovers"

	// Sensitive keys: the logger's redaction replaces their values, whatever they are.
	Password      = "password"
	Token         = "token"
	Cookie        = "cookie"
	Authorization = "authorization"
	APIKey        = "api_key"
	Secret        = "secret"
	MessageText   = "message_text"
	Email         = "email"
)

// Sensitive lists the keys whose values must never reach a log line.
var Sensitive = []string{Password, Token, Cookie, Authorization, APIKey, Secret, MessageText, Email}
