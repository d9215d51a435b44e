package temporalwf

import (
	"context"
	"errors"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/schedule"
)

// Names of what a schedule runs on the worker: each firing is a ScheduleWorkflowName workflow
// whose one activity, ScheduleActivityName, calls the schedule.Handler.
const (
	ScheduleWorkflowName = "schedule.fire"
	ScheduleActivityName = "schedule.run"
)

// ScheduleID is the Temporal schedule id of the schedule id: what operators find in the UI and
// CLI. The workflows it starts are named after it and the firing's time (Temporal appends it), so
// Temporal never runs one firing twice.
func ScheduleID(id domain.ID) string { return "schedule-" + id.String() }

// scheduledStartTime is the search attribute Temporal sets on the workflows a schedule starts:
// the occurrence (or manual trigger) they are for.
var scheduledStartTime = temporal.NewSearchAttributeKeyTime("TemporalScheduledStartTime")

// fireTimeout bounds one firing's workflow; fireAttempts and the backoff bound the Handler's
// retries when it fails retryably.
const (
	fireTimeout   = 10 * time.Minute
	handleTimeout = 2 * time.Minute
	fireAttempts  = 3
)

// fireInput is what a schedule's action hands each firing workflow: the spec's fixed part. Put
// replaces it with the spec.
type fireInput struct {
	ScheduleID  domain.ID `json:"schedule_id"`
	OwnerID     domain.ID `json:"owner_id"`
	CompanionID domain.ID `json:"companion_id"`
	Instruction string    `json:"instruction"`
}

// Scheduler is a schedule.Scheduler on Temporal Schedules: each schedule is a Temporal schedule
// (ScheduleID) whose spec is the cron in the schedule's zone and whose action starts a firing
// workflow on the task queue, skipping an occurrence while the previous firing still runs.
// Temporal fires it whichever worker is up and catches up once on occurrences missed while the
// server was down. A disabled schedule is a paused one.
type Scheduler struct {
	c         client.Client
	taskQueue string
}

var _ schedule.Scheduler = (*Scheduler)(nil)

// NewScheduler returns a scheduler whose firings run on cfg's task queue, through c. Workers of
// that queue must register the firing workflow (RegisterSchedules).
func NewScheduler(c client.Client, cfg Config) *Scheduler {
	return &Scheduler{c: c, taskQueue: cfg.TaskQueue}
}

// Put creates the Temporal schedule, or updates it when it exists.
func (s *Scheduler) Put(ctx context.Context, sp schedule.Spec) error {
	if err := sp.Validate(); err != nil {
		return err
	}
	spec := client.ScheduleSpec{CronExpressions: schedule.SplitDays(sp.Cron), TimeZoneName: sp.TimeZone}
	action := &client.ScheduleWorkflowAction{
		ID:                       ScheduleID(sp.ID),
		Workflow:                 ScheduleWorkflowName,
		Args:                     []any{fireInput{ScheduleID: sp.ID, OwnerID: sp.OwnerID, CompanionID: sp.CompanionID, Instruction: sp.Instruction}},
		TaskQueue:                s.taskQueue,
		WorkflowExecutionTimeout: fireTimeout,
	}
	sc := s.c.ScheduleClient()
	// Twice at most: a schedule deleted between a refused create and the update is created anew.
	for range 2 {
		_, err := sc.Create(ctx, client.ScheduleOptions{ID: ScheduleID(sp.ID), Spec: spec, Action: action,
			Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP, Paused: !sp.Enabled})
		if !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
			return scheduleError("create the schedule", err)
		}
		err = sc.GetHandle(ctx, ScheduleID(sp.ID)).Update(ctx, client.ScheduleUpdateOptions{
			DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
				sched := in.Description.Schedule
				sched.Spec, sched.Action = &spec, action
				sched.Policy = &client.SchedulePolicies{Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP}
				if in.Description.Schedule.Policy != nil {
					sched.Policy.CatchupWindow = in.Description.Schedule.Policy.CatchupWindow
				}
				state := client.ScheduleState{}
				if in.Description.Schedule.State != nil {
					state = *in.Description.Schedule.State
				}
				state.Paused = !sp.Enabled
				sched.State = &state
				return &client.ScheduleUpdate{Schedule: &sched}, nil
			},
		})
		var notFound *serviceerror.NotFound
		if !errors.As(err, &notFound) {
			return scheduleError("update the schedule", err)
		}
	}
	return domain.Errorf(domain.KindUnavailable, "put schedule %s: deleted and recreated concurrently", sp.ID)
}

// Delete deletes the Temporal schedule; a firing under way finishes.
func (s *Scheduler) Delete(ctx context.Context, id domain.ID) error {
	err := s.c.ScheduleClient().GetHandle(ctx, ScheduleID(id)).Delete(ctx)
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return nil
	}
	return scheduleError("delete the schedule", err)
}

// scheduleError reports a failed call to Temporal: the caller may retry.
func scheduleError(op string, err error) error {
	if err == nil {
		return nil
	}
	return domain.Errorf(domain.KindUnavailable, "%s: %w", op, err)
}

// RegisterSchedules registers the firing workflow and its activity, which calls h, on a worker
// of the schedules' task queue. Register them on a worker made by NewWorker: its interceptor
// translates h's errors, so only retryable kinds are retried.
func RegisterSchedules(r worker.Registry, h schedule.Handler) {
	r.RegisterWorkflowWithOptions(fireWorkflow, workflow.RegisterOptions{Name: ScheduleWorkflowName})
	r.RegisterActivityWithOptions(fireActivity{h: h}.run, activity.RegisterOptions{Name: ScheduleActivityName})
}

// fireWorkflow runs one firing: the Handler, as an activity, for the occurrence the schedule
// started it for.
func fireWorkflow(ctx workflow.Context, in fireInput) error {
	due, ok := workflow.GetTypedSearchAttributes(ctx).GetTime(scheduledStartTime)
	if !ok { // started by hand, not by a schedule
		due = workflow.GetInfo(ctx).WorkflowStartTime
	}
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: handleTimeout,
		RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: fireAttempts, InitialInterval: time.Second,
			BackoffCoefficient: 2, MaximumInterval: 30 * time.Second},
	})
	f := schedule.Firing{ScheduleID: in.ScheduleID, OwnerID: in.OwnerID, CompanionID: in.CompanionID,
		Instruction: in.Instruction, Due: due.UTC()}
	return workflow.ExecuteActivity(ctx, ScheduleActivityName, f).Get(ctx, nil)
}

// fireActivity holds the Handler the firing activity calls.
type fireActivity struct{ h schedule.Handler }

func (a fireActivity) run(ctx context.Context, f schedule.Firing) error { return a.h(ctx, f) }
