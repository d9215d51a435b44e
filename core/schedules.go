package core

import (
	"context"

	"go.uber.org/zap"

	"github.com/companionhub/companionhub/usecase/logkey"
	"github.com/companionhub/companionhub/usecase/proactive"
)

// resyncSchedules puts every stored schedule into the scheduler that fires them, when it starts
// firing them: a scheduler that lost some, or never had them (a hub that moved between the
// in-process scheduler and Temporal), fires them from then on. What fails is logged; the next
// start tries again.
func resyncSchedules(ctx context.Context, app *proactive.App, log *zap.Logger) {
	res, err := app.Resync.Handle(ctx, proactive.Resync{})
	switch {
	case err != nil && ctx.Err() == nil:
		log.Warn("some schedules could not be handed to the scheduler", zap.Int(logkey.Count, res.Put),
			zap.Int(logkey.Failed, res.Failed), zap.Error(err))
	case err == nil:
		log.Debug("schedules handed to the scheduler", zap.Int(logkey.Count, res.Put))
	}
}
