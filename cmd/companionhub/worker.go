package main

import (
	"context"
	"fmt"

	companionhub "github.com/companionhub/companionhub"
)

func workerCmd(ctx context.Context, args []string, e env) error {
	c, err := newCommand("worker", "Runs chat turns and the firings of companions' schedules from Temporal (for servers with "+
		"COMPANIONHUB_TURN_RUNNER=temporal) until "+
		"interrupted (SIGINT/SIGTERM), then lets running steps finish for the grace period.", e, nil)
	if err != nil {
		return err
	}
	if err := c.parse(args); err != nil {
		return err
	}
	if err := c.check(c.cfg.ValidateWorker()); err != nil {
		return err
	}
	log, err := newLogger(c.cfg, e)
	if err != nil {
		return err
	}
	defer func() { _ = log.Sync() }()
	w, err := companionhub.NewWorker(ctx, c.cfg, log)
	if err != nil {
		return fmt.Errorf("start: %w", err)
	}
	defer w.Close()
	return w.Run(ctx)
}
