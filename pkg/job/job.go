// Package job keeps long-running batch jobs (re-index, re-extract, backfill) as objects
// in the `jobs` KV bucket: their selection, position, counts and state. A job survives
// the process that runs it: a runner that dies leaves a lease that expires, and the next
// runner resumes from the last recorded position. Every change is a compare-and-set on the
// job's revision, so two runners never both own a job.
package job

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/nats-io/nats.go/jetstream"
)

// State is where a job is in its life.
type State string

const (
	Pending   State = "pending"
	Running   State = "running"
	Done      State = "done"
	Failed    State = "failed"
	Cancelled State = "cancelled"
)

// Finished reports whether the job will not run again.
func (s State) Finished() bool { return s == Done || s == Failed || s == Cancelled }

// Selection limits a job to part of the collection.
type Selection struct {
	Court string    `json:"court,omitempty"`
	Since time.Time `json:"since,omitzero"`
	Until time.Time `json:"until,omitzero"`
	// Failed selects the documents parked by the extractor (re-extract).
	Failed bool `json:"failed,omitempty"`
	// ExtractorVersion selects documents extracted by another engine version than this.
	ExtractorVersion string `json:"extractor_version,omitempty"`
}

// Job is one batch job.
type Job struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind"`
	Selection Selection `json:"selection"`
	State     State     `json:"state"`
	// Position is the kind's resume point (a stream sequence): work up to it is done.
	Position uint64 `json:"position"`
	// Total is the work expected (0 if unknown), Done the work done, Selected the part
	// of it the selection kept, Errors the items that failed.
	Total    uint64    `json:"total"`
	Done     uint64    `json:"done"`
	Selected uint64    `json:"selected"`
	Errors   uint64    `json:"errors"`
	Message  string    `json:"message,omitempty"`
	Owner    string    `json:"owner,omitempty"`
	Lease    time.Time `json:"lease,omitzero"`
	Created  time.Time `json:"created"`
	Updated  time.Time `json:"updated"`
	Finished time.Time `json:"finished,omitzero"`
	// Detail is the kind's own state (a reindex's target index version).
	Detail map[string]string `json:"detail,omitempty"`

	revision uint64
}

// Store reads and writes jobs.
type Store struct {
	kv  jetstream.KeyValue
	now func() time.Time
}

// NewStore opens the jobs bucket.
func NewStore(ctx context.Context, js jetstream.JetStream) (*Store, error) {
	kv, err := bus.KV(ctx, js, bus.BucketJobs)
	if err != nil {
		return nil, err
	}
	return &Store{kv: kv, now: time.Now}, nil
}

// ErrNotFound is returned for an unknown job id.
var ErrNotFound = errors.New("no such job")

// ErrConflict says someone else changed the job first; read it again.
var ErrConflict = errors.New("job changed by another process")

// Create stores a new pending job.
func (s *Store) Create(ctx context.Context, kind string, sel Selection) (*Job, error) {
	b := make([]byte, 6)
	rand.Read(b)
	now := s.now().UTC()
	j := &Job{ID: kind + "-" + now.Format("20060102-150405") + "-" + hex.EncodeToString(b), Kind: kind,
		Selection: sel, State: Pending, Created: now, Updated: now}
	data, _ := json.Marshal(j)
	rev, err := s.kv.Create(ctx, j.ID, data)
	if err != nil {
		return nil, fmt.Errorf("creating job: %w", err)
	}
	j.revision = rev
	return j, nil
}

// Get reads a job.
func (s *Store) Get(ctx context.Context, id string) (*Job, error) {
	e, err := s.kv.Get(ctx, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("reading job %s: %w", id, err)
	}
	j, err := decode(e)
	if err != nil {
		return nil, fmt.Errorf("job %s: %w", id, err)
	}
	return j, nil
}

// List returns every job, newest first.
func (s *Store) List(ctx context.Context) ([]*Job, error) {
	jobs, err := bus.List(ctx, s.kv, ">", decode, func(a, b *Job) int { return b.Created.Compare(a.Created) })
	if err != nil {
		return nil, fmt.Errorf("listing jobs: %w", err)
	}
	return jobs, nil
}

func decode(e jetstream.KeyValueEntry) (*Job, error) {
	j := &Job{revision: e.Revision()}
	if err := json.Unmarshal(e.Value(), j); err != nil {
		return nil, fmt.Errorf("unreadable: %w", err)
	}
	return j, nil
}

// Update writes j if nobody changed it since it was read.
func (s *Store) Update(ctx context.Context, j *Job) error {
	j.Updated = s.now().UTC()
	data, _ := json.Marshal(j)
	rev, err := s.kv.Update(ctx, j.ID, data, j.revision)
	if err != nil {
		if errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			return ErrConflict
		}
		return fmt.Errorf("updating job %s: %w", j.ID, err)
	}
	j.revision = rev
	return nil
}

// WatchBackstop is how long a runner or a follower trusts Changes alone before it reads
// the jobs again (a runner with a new watch): a watch can stop delivering, with no
// error, once the server it read from is lost (nats.go's ordered consumer does not
// always recover; a re-index in TestCluster, after the test kills a node, once waited 21
// minutes, and a lost watch is the one cause that says nothing). A read every half
// minute costs nothing beside a job's work and bounds the wait such a loss can cause.
const WatchBackstop = 30 * time.Second

// Changes signals each change of a job (of the one job id when id is not empty) until
// ctx ends, when it closes; it closes too when the watch itself ends. One signal may
// stand for several changes: it says "look again", and a reader that is busy loses
// nothing by reading it late. Runners and followers wait on it instead of polling.
func (s *Store) Changes(ctx context.Context, id string) (<-chan struct{}, error) {
	var w jetstream.KeyWatcher
	var err error
	if id == "" {
		w, err = s.kv.WatchAll(ctx, jetstream.UpdatesOnly(), jetstream.MetaOnly())
	} else {
		w, err = s.kv.Watch(ctx, id, jetstream.UpdatesOnly(), jetstream.MetaOnly())
	}
	if err != nil {
		return nil, fmt.Errorf("watching jobs: %w", err)
	}
	out := make(chan struct{}, 1)
	go func() {
		defer close(out)
		defer w.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case e, ok := <-w.Updates():
				if !ok {
					return
				}
				if e == nil {
					continue // the end of the values before the watch: there are none
				}
				select {
				case out <- struct{}{}:
				default: // a signal already waits
				}
			}
		}
	}()
	return out, nil
}

// Cancel asks a job to stop; its runner sees it at its next progress report.
func (s *Store) Cancel(ctx context.Context, id string) (*Job, error) {
	for {
		j, err := s.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		if j.State.Finished() {
			return j, nil
		}
		j.State, j.Message = Cancelled, "cancelled by request"
		j.Finished = s.now().UTC()
		if err := s.Update(ctx, j); !errors.Is(err, ErrConflict) {
			return j, err
		}
	}
}

// MatchDate reports whether t falls in the selection's date range (inclusive days); a
// zero t matches only an unbounded range.
func (s Selection) MatchDate(t time.Time) bool {
	if s.Since.IsZero() && s.Until.IsZero() {
		return true
	}
	if t.IsZero() {
		return false
	}
	if !s.Since.IsZero() && t.Before(s.Since) {
		return false
	}
	return s.Until.IsZero() || t.Before(s.Until.Add(24*time.Hour))
}
