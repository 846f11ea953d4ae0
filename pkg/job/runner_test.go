package job_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
	"github.com/docketwatch/docketwatch/pkg/job"
)

func newStore(t testing.TB) *job.Store {
	t.Helper()
	js := bustest.Start(t)
	store, err := job.NewStore(context.Background(), js)
	if err != nil {
		t.Fatal(err)
	}
	return store
}

// runner starts a runner of kind "k" whose handler reports each job it is given.
func runner(t testing.TB, store *job.Store) <-chan string {
	t.Helper()
	ran := make(chan string, 4)
	r := job.NewRunner(store, slog.New(slog.DiscardHandler), map[string]job.Handler{
		"k": func(ctx context.Context, j *job.Job, report func() error) error {
			ran <- j.ID
			return nil
		},
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return ran
}

func awaitRun(t testing.TB, ran <-chan string, id string) {
	t.Helper()
	select {
	case got := <-ran:
		if got != id {
			t.Fatalf("ran job %s; want %s", got, id)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("job %s did not run", id)
	}
}

// TestRunnerRunsJobsCreatedLater: a job created while the runner waits is run on the
// change the bucket announces (the runner has no poll to find it otherwise), and ends done.
func TestRunnerRunsJobsCreatedLater(t *testing.T) {
	store := newStore(t)
	ran := runner(t, store)
	ctx := context.Background()
	for range 2 {
		j, err := store.Create(ctx, "k", job.Selection{})
		if err != nil {
			t.Fatal(err)
		}
		awaitRun(t, ran, j.ID)
	}
}

// TestRunnerTakesOverAtLeaseEnd: a job whose runner died is resumed when its lease ends,
// with no change to the bucket to announce it.
func TestRunnerTakesOverAtLeaseEnd(t *testing.T) {
	store := newStore(t)
	ctx := context.Background()
	j, err := store.Create(ctx, "k", job.Selection{})
	if err != nil {
		t.Fatal(err)
	}
	j.State, j.Owner, j.Lease = job.Running, "gone/1", time.Now().Add(time.Second)
	if err := store.Update(ctx, j); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	ran := runner(t, store)
	awaitRun(t, ran, j.ID)
	if took := time.Since(start); took < 500*time.Millisecond {
		t.Errorf("took over after %v, before the lease ended", took)
	}
}

// TestChanges: a watch of one job signals its changes and closes when its context ends.
func TestChanges(t *testing.T) {
	store := newStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	j, err := store.Create(ctx, "k", job.Selection{})
	if err != nil {
		t.Fatal(err)
	}
	changes, err := store.Changes(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Cancel(ctx, j.ID); err != nil {
		t.Fatal(err)
	}
	select {
	case _, ok := <-changes:
		if !ok {
			t.Fatal("the watch closed; want a change")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no change signalled for a cancelled job")
	}
	cancel()
	for range changes {
	}
}
