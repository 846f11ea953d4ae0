package job

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
)

// Handler does one kind of job. It resumes from j.Position, calls report after each
// piece of work with the job's new position and counts (report persists them and tells
// the handler to stop when the job was cancelled, by returning ErrStopped), and returns
// nil when the job is complete.
type Handler func(ctx context.Context, j *Job, report func() error) error

// ErrStopped is what report returns when the job must stop (cancelled, or taken over).
var ErrStopped = errors.New("job stopped")

// Runner takes pending jobs, and jobs whose runner died, and runs them.
type Runner struct {
	store    *Store
	handlers map[string]Handler
	log      *slog.Logger
	owner    string
	// LeaseFor is how long a claim lasts without a report; a runner that dies is
	// replaced after it.
	LeaseFor time.Duration
}

// NewRunner returns a runner for the given kinds. Registering a kind twice is an error.
func NewRunner(store *Store, log *slog.Logger, kinds map[string]Handler) *Runner {
	host, _ := os.Hostname()
	return &Runner{store: store, handlers: kinds, log: log, owner: fmt.Sprintf("%s/%d", host, os.Getpid()),
		LeaseFor: 30 * time.Second}
}

// Run runs jobs until ctx ends: those pending, those whose runner's lease ran out, and
// each new one as soon as the jobs bucket says it was created (a watch, not a poll). The
// job under way stops at its next report and keeps its position for whoever runs it next.
func (r *Runner) Run(ctx context.Context) error {
	for ctx.Err() == nil {
		// Each watch has a context of its own, ended when serve gives it up.
		wctx, stop := context.WithCancel(ctx)
		var changes <-chan struct{}
		watch := func(retryIn time.Duration) bool {
			var err error
			if changes, err = r.store.Changes(wctx, ""); err != nil {
				r.log.Warn("watching jobs", "err", err, "retry_in", retryIn)
				return false
			}
			return true
		}
		if bus.Retry(ctx, bus.ExponentialBackoff(time.Second, 30*time.Second), watch) != nil {
			stop()
			return nil
		}
		r.serve(ctx, changes)
		stop()
	}
	return nil
}

// serve runs the jobs there are, then waits for a change of the jobs or for the end of
// the first lease that would let it take over a job, until ctx or the watch ends, or the
// watch has said nothing for WatchBackstop: then Run makes a new one (a watch can go
// silent) and serve looks at the jobs again.
func (r *Runner) serve(ctx context.Context, changes <-chan struct{}) {
	for {
		var leaseEnd time.Time
		for ran := true; ran; {
			ran, leaseEnd = r.runOne(ctx)
		}
		if !r.wait(ctx, changes, leaseEnd) {
			return
		}
	}
}

// wait returns true at the next change of the jobs or at leaseEnd (when not zero), false
// when ctx or the watch ends first or WatchBackstop passes.
func (r *Runner) wait(ctx context.Context, changes <-chan struct{}, leaseEnd time.Time) bool {
	backstop := time.NewTimer(WatchBackstop)
	defer backstop.Stop()
	var expired <-chan time.Time
	if !leaseEnd.IsZero() {
		t := time.NewTimer(leaseEnd.Sub(r.store.now()))
		defer t.Stop()
		expired = t.C
	}
	select {
	case <-ctx.Done():
		return false
	case _, ok := <-changes:
		return ok
	case <-expired:
		return true
	case <-backstop.C:
		return false
	}
}

// runOne claims and runs one job; it reports whether it found one and, when it did not,
// the first end of another runner's lease on a job it could run (zero when none).
func (r *Runner) runOne(ctx context.Context) (ran bool, leaseEnd time.Time) {
	jobs, err := r.store.List(ctx)
	if err != nil {
		if ctx.Err() == nil {
			r.log.Warn("listing jobs", "err", err)
		}
		return false, r.store.now().Add(time.Second) // no change may come to say look again

	}
	now := r.store.now()
	for i := len(jobs) - 1; i >= 0; i-- { // oldest first
		j := jobs[i]
		h, ok := r.handlers[j.Kind]
		if !ok || j.State.Finished() {
			continue
		}
		if j.State == Running && now.Before(j.Lease) {
			if leaseEnd.IsZero() || j.Lease.Before(leaseEnd) {
				leaseEnd = j.Lease
			}
			continue
		}
		if j.State == Running {
			r.log.Info("resuming job of a runner that stopped", "job", j.ID, "owner", j.Owner, "position", j.Position)
		}
		j.State, j.Owner, j.Lease = Running, r.owner, now.Add(r.LeaseFor)
		if err := r.store.Update(ctx, j); err != nil {
			continue // another runner claimed it first
		}
		r.run(ctx, j, h)
		return true, time.Time{}
	}
	return false, leaseEnd
}

func (r *Runner) run(ctx context.Context, j *Job, h Handler) {
	lastSave := time.Now()
	report := func() error {
		if ctx.Err() != nil {
			return ErrStopped
		}
		if time.Since(lastSave) < time.Second {
			return nil
		}
		lastSave = time.Now()
		return r.save(ctx, j)
	}
	err := h(ctx, j, report)
	switch {
	case errors.Is(err, ErrStopped) || ctx.Err() != nil:
		// Cancelled, taken over, or this process is stopping: position is saved; a
		// stopping process leaves its lease to expire so that the next runner resumes.
		if ctx.Err() == nil {
			return
		}
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		j.Lease = time.Time{}
		r.save(sctx, j)
		return
	case err != nil:
		j.State, j.Message = Failed, err.Error()
	default:
		j.State = Done
	}
	j.Finished = r.store.now().UTC()
	if err := r.save(context.Background(), j); err != nil && !errors.Is(err, ErrStopped) {
		r.log.Error("recording the end of a job", "job", j.ID, "err", err)
	}
	r.log.Info("job ended", "job", j.ID, "state", j.State, "done", j.Done, "errors", j.Errors)
}

// save writes the job's progress and renews the lease, unless someone cancelled or took
// the job meanwhile: then the handler must stop.
func (r *Runner) save(ctx context.Context, j *Job) error {
	if j.State == Running && !j.Lease.IsZero() {
		j.Lease = r.store.now().Add(r.LeaseFor)
	}
	err := r.store.Update(ctx, j)
	if errors.Is(err, ErrConflict) {
		cur, gerr := r.store.Get(ctx, j.ID)
		if gerr == nil && cur.State == Cancelled {
			r.log.Info("job cancelled", "job", j.ID)
		}
		return ErrStopped
	}
	return err
}
