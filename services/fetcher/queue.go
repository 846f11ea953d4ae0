package fetcher

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/fault"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/sourcestatus"
	"github.com/docketwatch/docketwatch/services/fetcher/courtlistener"
	"github.com/nats-io/nats.go/jetstream"
)

// The work queue holds what the fetcher must finish later, in the cursors bucket so that
// it survives a crash: webhook events to resolve and PDFs whose download failed. Each
// job keeps its own retry state, so that one failing job never holds another, and is
// parked in DEAD with its reason after Config.JobAttempts. A parked job's subject is its
// own key: `docketwatch dead retry` puts it back in the queue, where it starts afresh.

// job is a queued piece of work; exactly one of Event and PDF is set.
type job struct {
	// Event is a webhook event's body, to resolve into documents.
	Event json.RawMessage `json:"event,omitempty"`
	// PDF is a document whose PDF must be fetched before it is published.
	PDF *pdfJob `json:"pdf,omitempty"`

	Queued    time.Time `json:"queued"`
	Attempts  int       `json:"attempts,omitempty"`
	NextAt    time.Time `json:"next_at,omitzero"`
	LastError string    `json:"last_error,omitempty"`
}

// Keys of the queue: "." separates the parts, so that "courtlistener.job.>" lists it.
func jobPrefix() string                { return "courtlistener.job." }
func pdfJobKey(id filing.DocID) string { return jobPrefix() + "pdf." + id.Key() }
func eventJobKey(hash string) string   { return jobPrefix() + "event." + hash }

// enqueue stores a job (replacing one under the same key) and wakes the worker.
func (s *Service) enqueue(ctx context.Context, key string, j job) error {
	data, err := json.Marshal(j)
	if err != nil {
		return err
	}
	if _, err := s.cur.kv.Put(ctx, key, data); err != nil {
		return fmt.Errorf("queueing %s: %w", key, err)
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return nil
}

// worker works the queue until ctx ends: at once when a job is queued (here or, through
// a watch of the bucket, by another process: the API role of a cluster receives the
// webhooks), else when the next retry is due, at least every JobRetryInterval.
func (s *Service) worker(ctx context.Context) {
	if w, err := s.cur.kv.Watch(ctx, jobPrefix()+">", jetstream.UpdatesOnly(), jetstream.IgnoreDeletes()); err == nil {
		defer w.Stop()
		go func() {
			for range w.Updates() {
				select {
				case s.wake <- struct{}{}:
				default:
				}
			}
		}()
	} else {
		s.log.Warn("watching the work queue failed, polling it", "err", err)
	}
	for {
		next, err := s.drain(ctx, nil)
		if err != nil && ctx.Err() == nil {
			s.log.Warn("work queue failed", "err", err)
		}
		wait := s.cfg.JobRetryInterval
		if !next.IsZero() {
			wait = min(wait, max(next.Sub(s.now()), 0))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-s.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// drain works every job that is due, and returns when the earliest of those left is
// due next (zero: none left). With only set, it looks at those keys alone.
func (s *Service) drain(ctx context.Context, only map[string]bool) (time.Time, error) {
	keys, err := s.jobKeys(ctx)
	if err != nil {
		return time.Time{}, err
	}
	var next time.Time
	for _, key := range keys {
		if ctx.Err() != nil {
			return next, ctx.Err()
		}
		if only != nil && !only[key] {
			continue
		}
		due, err := s.work(ctx, key)
		if err != nil {
			return next, err
		}
		if !due.IsZero() && (next.IsZero() || due.Before(next)) {
			next = due
		}
	}
	return next, nil
}

// jobKeys lists the queue.
func (s *Service) jobKeys(ctx context.Context) ([]string, error) {
	lister, err := s.cur.kv.ListKeysFiltered(ctx, jobPrefix()+">")
	if err != nil {
		return nil, fmt.Errorf("listing the work queue: %w", err)
	}
	var keys []string
	for k := range lister.Keys() {
		keys = append(keys, k)
	}
	return keys, nil
}

// work runs one job if it is due and returns when it is due next (zero when it is done
// or parked). Only a failure of the queue itself is returned.
func (s *Service) work(ctx context.Context, key string) (time.Time, error) {
	e, err := s.cur.kv.Get(ctx, key)
	if bus.IsNotFound(err) || errors.Is(err, jetstream.ErrKeyDeleted) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("reading %s: %w", key, err)
	}
	var j job
	if err := json.Unmarshal(e.Value(), &j); err != nil || (j.Event == nil) == (j.PDF == nil) {
		return time.Time{}, s.park(ctx, key, e, j, fmt.Errorf("unreadable job: %v", err))
	}
	if s.now().Before(j.NextAt) {
		return j.NextAt, nil
	}
	if j.PDF != nil {
		err = s.fetchQueued(ctx, j.PDF)
	} else {
		err = s.resolveEvent(ctx, j.Event)
	}
	if err == nil {
		// The revision guard keeps a job queued again meanwhile for the next pass.
		if err := s.cur.kv.Delete(ctx, key, jetstream.LastRevision(e.Revision())); err != nil && !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			return time.Time{}, fmt.Errorf("removing %s from the work queue: %w", key, err)
		}
		return time.Time{}, nil
	}
	if ctx.Err() != nil {
		return time.Time{}, ctx.Err()
	}
	j.Attempts++
	j.LastError = err.Error()
	if fault.IsPermanent(err) && j.Event != nil || j.Attempts >= s.cfg.JobAttempts {
		return time.Time{}, s.park(ctx, key, e, j, err)
	}
	bo := backoff{base: s.cfg.JobRetryInterval, max: s.cfg.MaxBackoff, n: j.Attempts - 1}
	j.NextAt = s.now().Add(max(bo.next(), fault.RetryAfter(err)))
	s.log.Warn("queued job failed, retrying later", "key", key, "attempts", j.Attempts, "retry_at", j.NextAt, "err", err)
	data, _ := json.Marshal(j)
	if _, err := s.cur.kv.Update(ctx, key, data, e.Revision()); err != nil && !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return time.Time{}, fmt.Errorf("updating %s: %w", key, err)
	}
	return j.NextAt, nil
}

// park moves a job to DEAD with its reason, where `docketwatch dead list` shows it and
// `dead retry` republishes it on its key's subject: back in the queue, attempts reset.
func (s *Service) park(ctx context.Context, key string, e jetstream.KeyValueEntry, j job, cause error) error {
	var id filing.DocID
	if j.PDF != nil {
		id = j.PDF.Doc.ID
		s.status.update(courtlistener.SourceName, j.PDF.Doc.Docket.Court, func(st *sourcestatus.Court) { st.Parked++ })
	}
	s.log.Error("parking queued job", "key", key, "doc_id", id, "attempts", j.Attempts, "err", cause)
	retry := j
	retry.Attempts, retry.NextAt, retry.LastError = 0, time.Time{}, ""
	data, err := json.Marshal(retry)
	if err != nil {
		data = e.Value()
	}
	p := filing.Parked{
		Schema: filing.Schema, Stage: "fetcher", ID: id, Reason: cause.Error(), Attempts: j.Attempts,
		Subject: "$KV." + bus.BucketCursors + "." + key, Data: data, ParkedAt: s.now().UTC(),
	}
	_, err = bus.Publish(ctx, s.js, bus.Out{
		Subject: bus.Subject(bus.Dead, "fetcher"), DocID: id, Value: p,
		MsgID: "fetcher-park:" + key + ":" + strconv.FormatUint(e.Revision(), 10),
	})
	if err != nil {
		return fmt.Errorf("parking %s: %w", key, err)
	}
	if err := s.cur.kv.Delete(ctx, key, jetstream.LastRevision(e.Revision())); err != nil && !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return fmt.Errorf("removing parked %s from the work queue: %w", key, err)
	}
	return nil
}
