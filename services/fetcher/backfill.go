package fetcher

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/docketwatch/docketwatch/pkg/fault"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/services/fetcher/courtlistener"
)

// Progress reports a backfill.
type Progress struct {
	Court string    `json:"court"`
	Since time.Time `json:"since"`
	Until time.Time `json:"until"`
	// Total is how many documents the range held when the backfill began (-1 when
	// CourtListener could not say); Done how many were emitted so far, across restarts.
	Total int64 `json:"total"`
	Done  int64 `json:"done"`
	// Published counts documents this call published that were not on FILINGS already.
	Published int64 `json:"published"`
	// Elapsed is the time this call has run; DoneAtStart what was done when it began.
	Elapsed     time.Duration `json:"elapsed"`
	DoneAtStart int64         `json:"done_at_start"`
	Finished    bool          `json:"finished"`
	// LastError is the latest failure, retried unless the call returned it.
	LastError string `json:"last_error,omitempty"`
	// IDs are the documents this call published or queued for their PDF (to be
	// published or parked), for a caller that waits until they are searchable.
	IDs []filing.DocID `json:"-"`
}

// Rate is documents per second in this call; 0 until a second has passed, when a rate
// says nothing yet.
func (p Progress) Rate() float64 {
	if p.Elapsed < time.Second {
		return 0
	}
	return float64(p.Done-p.DoneAtStart) / p.Elapsed.Seconds()
}

// ETA estimates the time left at the current rate; -1 when unknown.
func (p Progress) ETA() time.Duration {
	r := p.Rate()
	if p.Finished {
		return 0
	}
	if r <= 0 || p.Total < 0 {
		return -1
	}
	left := max(p.Total-p.Done, 0)
	return time.Duration(float64(left) / r * float64(time.Second))
}

// Pace says how fast the backfill goes and how long it has left, "" until that is known.
func (p Progress) Pace() string {
	r := p.Rate()
	if r <= 0 {
		return ""
	}
	pace := fmt.Sprintf("%.1f docs/s", r)
	if eta := p.ETA(); eta > 0 {
		pace += ", " + eta.Round(time.Second).String() + " left"
	}
	return pace
}

// backfillState is a backfill's record in the cursors bucket.
type backfillState struct {
	Cursor   courtlistener.Cursor `json:"cursor"`
	Total    int64                `json:"total"`
	Finished bool                 `json:"finished"`
	// Queued are the documents whose PDF was queued after a failed download: the
	// backfill is not over until each is published or parked, across restarts too.
	Queued []filing.DocID `json:"queued,omitempty"`
}

func backfillKey(court string, since, until time.Time) string {
	end := "open"
	if !until.IsZero() {
		end = until.UTC().Format("20060102T150405Z")
	}
	return "courtlistener.backfill." + court + "." + since.UTC().Format("20060102T150405Z") + "-" + end
}

// Backfill pulls court's CourtListener documents created in [since, until) (until zero:
// up to now) and publishes each on FILINGS once, PDFs included. It saves its cursor in
// the cursors bucket after every poll, so calling it again with the same range after a
// crash or an error resumes where it stopped; calling it again after it finished returns
// at once (with until zero it extends the range to the present). progress, when not
// nil, is called after every poll. Transient failures and throttling are waited out;
// Backfill returns on ctx's end, a permanent failure, or Config.BackfillMaxFailures
// consecutive failures without progress.
func (s *Service) Backfill(ctx context.Context, court string, since, until time.Time, progress func(Progress)) (Progress, error) {
	p := Progress{Court: court, Since: since, Until: until, Total: -1}
	if err := s.init(ctx); err != nil {
		return p, err
	}
	if s.clSrc == nil {
		return p, errors.New("backfill: no courtlistener API token configured")
	}
	if !validCourt(court) {
		return p, fmt.Errorf("backfill: invalid court id %q", court)
	}
	if !until.IsZero() && !since.Before(until) {
		return p, fmt.Errorf("backfill %s: since %s is not before until %s", court, since.Format(time.RFC3339), until.Format(time.RFC3339))
	}
	key := backfillKey(court, since, until)
	st, rev, err := s.loadBackfill(ctx, key, court, since, until)
	if err != nil {
		return p, fmt.Errorf("backfill %s: %w", court, err)
	}
	p.Until, p.Total, p.Done, p.DoneAtStart, p.Finished = st.Cursor.Until, st.Total, st.Cursor.Emitted, st.Cursor.Emitted, st.Finished
	p.IDs = append(p.IDs, st.Queued...)
	if st.Finished {
		return p, s.settle(ctx, st.Queued)
	}
	start := s.now()
	emit := s.emitter(courtlistener.SourceName, court, func(id filing.DocID) {
		p.Published++
		p.IDs = append(p.IDs, id)
	})
	// One page per poll, each saved: a crash repeats at most a page, and the PDFs of
	// that page are not downloaded again (fetchPDF remembers them by SHA-1).
	srcCfg := s.clSrcCfg
	srcCfg.MaxPages = 1
	srcCfg.Defer = func(ctx context.Context, doc filing.Document, pdf courtlistener.PDF, err error) error {
		st.Queued = append(st.Queued, doc.ID)
		p.IDs = append(p.IDs, doc.ID)
		return s.queuePDF(ctx, doc, pdf, err)
	}
	src := courtlistener.NewSource(s.cl, srcCfg)
	bo := backoff{base: 5 * time.Second, max: s.cfg.MaxBackoff}
	failures := 0
	for {
		next, pollErr := src.Poll(ctx, st.Cursor, emit)
		progressed := next.Emitted != st.Cursor.Emitted || next.Next != st.Cursor.Next
		st.Cursor = next
		st.Finished = pollErr == nil && !next.Pending()
		if progressed || st.Finished {
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			rev, err = s.cur.save(sctx, key, st, rev)
			cancel()
			if err != nil {
				return p, fmt.Errorf("backfill %s: %w", court, errors.Join(pollErr, err))
			}
		}
		p.Done, p.Finished, p.Elapsed = st.Cursor.Emitted, st.Finished, s.now().Sub(start)
		if pollErr != nil {
			p.LastError = pollErr.Error()
		}
		if progress != nil {
			progress(p)
		}
		if st.Finished {
			s.log.Info("backfill finished", "court", court, "done", p.Done, "published", p.Published, "pdfs_queued", len(st.Queued))
			return p, s.settle(ctx, st.Queued)
		}
		if pollErr == nil {
			failures = 0
			bo.reset()
			continue
		}
		if ctx.Err() != nil {
			return p, ctx.Err()
		}
		if fault.IsPermanent(pollErr) {
			return p, fmt.Errorf("backfill %s: %w", court, pollErr)
		}
		if progressed {
			failures = 0
		}
		failures++
		if failures >= s.cfg.BackfillMaxFailures {
			return p, fmt.Errorf("backfill %s: giving up after %d failures in a row (resumable): %w", court, failures, pollErr)
		}
		wait := bo.next()
		if ra := fault.RetryAfter(pollErr); ra > wait {
			wait = ra
		}
		s.log.Warn("backfill poll failed", "court", court, "err", pollErr, "retry_in", wait)
		if err := s.sleep(ctx, wait); err != nil {
			return p, err
		}
	}
}

// loadBackfill returns the saved state of a backfill, or starts one (counting its
// documents for the progress report), and its revision.
func (s *Service) loadBackfill(ctx context.Context, key, court string, since, until time.Time) (backfillState, uint64, error) {
	var st backfillState
	rev, err := s.cur.load(ctx, key, &st)
	if err != nil {
		return st, 0, err
	}
	if rev == 0 {
		end := until
		if end.IsZero() {
			end = s.now().UTC().Truncate(time.Second)
		}
		st.Cursor = courtlistener.NewCursor(court, courtlistener.DateCreated, since, end)
		st.Total = -1
		if n, err := s.clSrc.Count(ctx, st.Cursor); err == nil {
			st.Total = n
		} else {
			s.log.Warn("backfill count failed, no ETA", "court", court, "err", err)
		}
		rev, err = s.cur.save(ctx, key, st, 0)
		return st, rev, err
	}
	if st.Finished && until.IsZero() {
		// An open-ended backfill run again continues to the present.
		st.Cursor.Until = s.now().UTC().Truncate(time.Second)
		st.Finished = false
	}
	return st, rev, nil
}

// settle works the queued PDF fetches of ids until each is published or parked.
func (s *Service) settle(ctx context.Context, ids []filing.DocID) error {
	keys := map[string]bool{}
	for _, id := range ids {
		keys[pdfJobKey(id)] = true
	}
	for len(keys) > 0 {
		next, err := s.drain(ctx, keys)
		if err != nil {
			return fmt.Errorf("fetching queued pdfs: %w", err)
		}
		queued, err := s.jobKeys(ctx)
		if err != nil {
			return err
		}
		left := map[string]bool{}
		for _, k := range queued {
			if keys[k] {
				left[k] = true
			}
		}
		if keys = left; len(keys) == 0 {
			return nil
		}
		wait := s.cfg.JobRetryInterval
		if !next.IsZero() {
			wait = max(next.Sub(s.now()), 0)
		}
		if err := s.sleep(ctx, wait); err != nil {
			return err
		}
	}
	return nil
}
