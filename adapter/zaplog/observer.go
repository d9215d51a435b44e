package zaplog

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	accountuc "github.com/companionhub/companionhub/usecase/account"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
	"github.com/companionhub/companionhub/usecase/community"
	"github.com/companionhub/companionhub/usecase/correlation"
	"github.com/companionhub/companionhub/usecase/decorator"
	"github.com/companionhub/companionhub/usecase/logkey"
)

// Observer logs what the use cases carry on past — a breach check that could not answer, progress
// not recorded, an analysis the model garbled, a turn whose runner vanished, a limiter store that
// failed: nothing a person notices, everything an operator wants to know.
type Observer struct {
	Log *zap.Logger
	// Trace names the trace and span of traced work on its lines (nil: none).
	Trace decorator.TraceIDs
}

// log is Log, naming ctx's trace and span when it is traced.
func (o Observer) log(ctx context.Context) *zap.Logger {
	if f := o.Trace.Fields(ctx); len(f) > 0 {
		return o.Log.With(f...)
	}
	return o.Log
}

var (
	_ accountuc.Observer = Observer{}
	_ chatuc.Observer    = Observer{}
	_ community.Observer = Observer{}
)

// AuditNotRecorded: a community change was made but its audit event was not written.
func (o Observer) AuditNotRecorded(ctx context.Context, action string, err error) {
	o.log(ctx).Error("audit event not recorded", zap.String(logkey.RequestID, correlation.RequestID(ctx)),
		zap.String(logkey.Action, action), zap.Error(err))
}

func (o Observer) BreachCheckFailed(ctx context.Context, err error) {
	o.log(ctx).Warn("breach check unavailable; password accepted on the other rules",
		zap.String(logkey.RequestID, correlation.RequestID(ctx)), zap.Error(err))
}

func (o Observer) ProgressNotRecorded(ctx context.Context, turnID domain.ID, p chat.Progress, err error) {
	o.log(ctx).Warn("turn progress not recorded", zap.String(logkey.TurnID, turnID.String()),
		zap.String(logkey.Status, p.Status.String()), zap.Error(err))
}

func (o Observer) AnalysisUnreadable(ctx context.Context, turnID domain.ID) {
	o.log(ctx).Info("scene analysis unreadable; keeping the scene", zap.String(logkey.TurnID, turnID.String()))
}

func (o Observer) RecallCutOff(ctx context.Context, turnID domain.ID, budget time.Duration) {
	o.log(ctx).Warn("memory recall outlived its budget; the reply goes without memories",
		zap.String(logkey.TurnID, turnID.String()), zap.Duration(logkey.Budget, budget))
}

func (o Observer) StreamNotExpired(ctx context.Context, turnID domain.ID, err error) {
	o.log(ctx).Warn("stream not expired", zap.String(logkey.TurnID, turnID.String()), zap.Error(err))
}

func (o Observer) TurnAbandoned(ctx context.Context, turnID domain.ID, outcome chat.Status) {
	o.log(ctx).Warn("turn lost its runner", zap.String(logkey.TurnID, turnID.String()), zap.String(logkey.Status, outcome.String()))
}

// LimiterFailed is the rate-limit guard's report of a store that failed (the rule's fail-open
// choice decided the request).
func (o Observer) LimiterFailed(ctx context.Context, rule string, err error) {
	o.log(ctx).Error("rate limiter store failed", zap.String(logkey.Rule, rule),
		zap.String(logkey.RequestID, correlation.RequestID(ctx)), zap.Error(err))
}

// FileNotDeleted: an erased account's file stays until the orphan sweep deletes it.
func (o Observer) FileNotDeleted(ctx context.Context, key string, err error) {
	o.log(ctx).Warn("a deleted account's file could not be deleted; the orphan sweep will", zap.String(logkey.MediaKey, key), zap.Error(err))
}

// SchedulesNotForgotten: an erased account's schedules stay in the scheduler until their next
// firing drops them.
func (o Observer) SchedulesNotForgotten(ctx context.Context, err error) {
	o.log(ctx).Warn("an erased account's schedules could not be taken out of the scheduler; their next firing will", zap.Error(err))
}
