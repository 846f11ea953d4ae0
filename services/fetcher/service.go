package fetcher

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/docketwatch/docketwatch/pkg/blob"
	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/clock"
	"github.com/docketwatch/docketwatch/pkg/fault"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/sourcestatus"
	"github.com/docketwatch/docketwatch/services/fetcher/courtlistener"
	"github.com/docketwatch/docketwatch/services/fetcher/pacerrss"
	"github.com/nats-io/nats.go/jetstream"
)

// Deps are what the fetcher runs on.
type Deps struct {
	// JS is the fetcher's own JetStream handle; bus.Setup must have run.
	JS jetstream.JetStream
	// Blobs stores PDFs by SHA-256.
	Blobs blob.Store
	// Log is the stage's logger; nil is slog.Default(), as for every stage.
	Log *slog.Logger
	// Now is the clock (default time.Now); Sleep waits d or until ctx ends (default a
	// timer). Tests shorten both.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

// Service polls the configured sources and publishes what they find on FILINGS, each
// document version once, resuming after a restart from the cursors in the KV bucket.
type Service struct {
	cfg   Config
	js    jetstream.JetStream
	blobs blob.Store
	log   *slog.Logger
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error

	initOnce sync.Once
	initErr  error
	pub      *Publisher
	cur      cursors
	seenKV   jetstream.KeyValue
	cl       *courtlistener.Client // nil without a token
	clSrc    *courtlistener.Source
	clSrcCfg courtlistener.SourceConfig
	events   *courtlistener.EventResolver
	rss      *pacerrss.Poller

	status statusBoard
	// wake tells the worker a job was queued.
	wake chan struct{}
}

// New returns a fetcher, or why cfg cannot work. Nothing is contacted until Run,
// Backfill or WebhookHandler.
func New(cfg Config, deps Deps) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if deps.Log == nil {
		deps.Log = slog.Default()
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.Sleep == nil {
		deps.Sleep = clock.Sleep
	}
	s := &Service{
		cfg: cfg, js: deps.JS, blobs: deps.Blobs, log: deps.Log.With("stage", "fetcher"),
		now: deps.Now, sleep: deps.Sleep, wake: make(chan struct{}, 1),
	}
	for _, c := range cfg.CourtListener.Courts {
		s.status.update(courtlistener.SourceName, c, func(*sourcestatus.Court) {})
	}
	for _, c := range cfg.PACER.Courts {
		s.status.update(pacerrss.Source, pacerrss.CourtListenerID(c), func(*sourcestatus.Court) {})
	}
	return s, nil
}

// init opens the buckets and builds the clients, once.
func (s *Service) init(ctx context.Context) error {
	s.initOnce.Do(func() { s.initErr = s.open(ctx) })
	return s.initErr
}

func (s *Service) open(ctx context.Context) error {
	if err := s.cfg.Validate(); err != nil {
		return fmt.Errorf("configuring fetcher: %w", err)
	}
	if s.js == nil || s.blobs == nil {
		return errors.New("configuring fetcher: JetStream and blob store are required")
	}
	var err error
	if s.pub, err = NewPublisher(ctx, s.js); err != nil {
		return err
	}
	kv, err := bus.KV(ctx, s.js, bus.BucketCursors)
	if err != nil {
		return err
	}
	s.cur = cursors{kv: kv}
	if s.seenKV, err = bus.KV(ctx, s.js, bus.BucketSeen); err != nil {
		return err
	}
	clc := s.cfg.CourtListener
	if tok, err := clc.token(); err == nil {
		cfg := clc.clientConfig(tok, kv, s.log)
		cfg.Now, cfg.Sleep = s.now, s.sleep
		s.cl, err = courtlistener.New(cfg)
		if err != nil {
			return fmt.Errorf("configuring courtlistener: %w", err)
		}
		s.clSrcCfg = courtlistener.SourceConfig{
			Fetch: s.fetchPDF, Defer: s.queuePDF, MaxPages: clc.MaxPages, Overlap: clc.Overlap, Logger: s.log, Now: s.now,
		}
		s.clSrc = courtlistener.NewSource(s.cl, s.clSrcCfg)
		s.events = courtlistener.NewEventResolver(s.cl, clc.StorageURL, s.now)
	} else if len(clc.Courts) > 0 || clc.TokenFile != "" {
		return fmt.Errorf("configuring courtlistener: %w", err)
	}
	s.rss = pacerrss.NewPoller(pacerrss.Config{
		Client: s.cfg.PACER.HTTPClient, MinInterval: s.cfg.PACER.Interval, URL: s.cfg.PACER.URL,
		Now: s.now, Logger: s.log,
	})
	return nil
}

// Run polls every configured court until ctx ends, and works the queue of PDFs that
// webhook events announced. A court whose source fails permanently (a refused token, a
// court without a feed) stops and shows in Status; the others go on. Run returns nil
// when ctx ends, or an error if it cannot start or every source has stopped.
func (s *Service) Run(ctx context.Context) error {
	if err := s.init(ctx); err != nil {
		return err
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var stopped []error
	loop := func(source, court string, poll func(context.Context) (bool, error)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.loop(ctx, source, court, poll); err != nil {
				mu.Lock()
				stopped = append(stopped, err)
				mu.Unlock()
			}
		}()
	}
	for _, court := range s.cfg.CourtListener.Courts {
		loop(courtlistener.SourceName, court, func(ctx context.Context) (bool, error) { return s.pollCourtListener(ctx, court) })
	}
	for _, court := range s.cfg.PACER.Courts {
		loop(pacerrss.Source, pacerrss.CourtListenerID(court), func(ctx context.Context) (bool, error) { return s.pollPACER(ctx, court) })
	}
	sources := len(s.cfg.CourtListener.Courts) + len(s.cfg.PACER.Courts)
	workerCtx, stopWorker := context.WithCancel(ctx)
	defer stopWorker()
	var worker sync.WaitGroup
	if s.cl != nil {
		worker.Add(1)
		go func() {
			defer worker.Done()
			s.worker(workerCtx)
		}()
	}
	s.log.Info("fetcher running", "courtlistener_courts", len(s.cfg.CourtListener.Courts), "pacer_courts", len(s.cfg.PACER.Courts))
	wg.Wait()
	if ctx.Err() == nil && sources > 0 {
		// Every source stopped on a permanent error.
		stopWorker()
		worker.Wait()
		return fmt.Errorf("every fetcher source stopped: %w", errors.Join(stopped...))
	}
	// Without sources (webhooks only) the PDF worker alone runs until ctx ends.
	worker.Wait()
	return nil
}

// loop polls one court until ctx ends or the source fails permanently. poll reports
// whether there is more to read at once (a backfill-sized backlog).
func (s *Service) loop(ctx context.Context, source, court string, poll func(context.Context) (bool, error)) error {
	bo := backoff{base: 5 * time.Second, max: s.cfg.MaxBackoff}
	for ctx.Err() == nil {
		more, err := poll(ctx)
		if ctx.Err() != nil {
			return nil
		}
		var wait time.Duration
		switch {
		case err == nil:
			bo.reset()
			if !more {
				wait = s.interval(source)
			}
		case errors.Is(err, pacerrss.ErrTooSoon):
			// Not a failure: the feed's minimum interval since the last poll (perhaps of
			// the previous process) has not passed.
			wait = fault.RetryAfter(err)
		case fault.IsPermanent(err):
			s.log.Error("source stopped", "source", source, "court", court, "err", err)
			s.status.update(source, court, func(st *sourcestatus.Court) { st.Stopped = true })
			return fmt.Errorf("%s %s: %w", source, court, err)
		default:
			wait = bo.next()
			if ra := fault.RetryAfter(err); ra > wait {
				wait = ra
			}
			s.log.Warn("poll failed", "source", source, "court", court, "err", err, "retry_in", wait)
		}
		s.status.update(source, court, func(st *sourcestatus.Court) { st.NextPoll = s.now().Add(wait) })
		if s.sleep(ctx, wait) != nil {
			return nil
		}
	}
	return nil
}

func (s *Service) interval(source string) time.Duration {
	if source == pacerrss.Source {
		return s.cfg.PACER.Interval
	}
	return s.cfg.CourtListener.PollInterval
}

// backoff counts a source's failures in a row and waits bus.ExponentialBackoff's time
// for the next, with bus.Jitter.
type backoff struct {
	base, max time.Duration
	n         int
}

func (b *backoff) reset() { b.n = 0 }

func (b *backoff) next() time.Duration {
	b.n++
	return bus.Jitter(bus.ExponentialBackoff(b.base, b.max)(b.n))
}

// emitter returns the emit function of a source at a court: publish through the
// Publisher and record freshness; onNew, when set, is called for each new publication.
func (s *Service) emitter(source, court string, onNew func(filing.DocID)) func(context.Context, filing.Document) error {
	return func(ctx context.Context, doc filing.Document) error {
		dup, err := s.pub.Publish(ctx, doc)
		if err != nil {
			return err
		}
		if !dup {
			if onNew != nil {
				onNew(doc.ID)
			}
			s.status.update(source, court, func(st *sourcestatus.Court) {
				st.Published++
				st.LastNew = s.now()
			})
		}
		return nil
	}
}

// record notes the outcome of one poll in the status board.
func (s *Service) record(source, court string, at time.Time, err error) {
	s.status.update(source, court, func(st *sourcestatus.Court) {
		st.LastPoll = at
		if err == nil {
			st.LastSuccess, st.Errors = at, 0
			return
		}
		st.Errors++
		st.TotalErrors++
		st.LastError, st.LastErrorAt = err.Error(), at
	})
}

// pollCourtListener runs one poll of a court from its saved cursor and saves the cursor
// it returns. On a failure the returned cursor still covers exactly what was published,
// so it is saved too: the retry neither repeats nor skips.
func (s *Service) pollCourtListener(ctx context.Context, court string) (more bool, err error) {
	at := s.now()
	defer func() {
		if !errors.Is(err, context.Canceled) {
			s.record(courtlistener.SourceName, court, at, err)
		}
	}()
	key := clPollKey(court)
	var cur courtlistener.Cursor
	rev, err := s.cur.load(ctx, key, &cur)
	if err != nil {
		return false, err
	}
	saved := cur.Field
	if rev == 0 {
		since := s.cfg.CourtListener.Since
		if since.IsZero() {
			since = at.Add(-s.cfg.CourtListener.Lookback)
		}
		cur = courtlistener.NewCursor(court, s.cfg.CourtListener.Field, since, time.Time{})
	} else if field := s.cfg.CourtListener.Field; cur.Field != field {
		s.log.Info("courtlistener field changed, continuing from the saved position", "court", court, "from", cur.Field, "to", field, "high", cur.High)
		cur = cur.Refield(field)
	}
	next, pollErr := s.clSrc.Poll(ctx, cur, s.emitter(courtlistener.SourceName, court, nil))
	if next.Emitted != cur.Emitted || next.Next != cur.Next || next.Field != saved || rev == 0 {
		// A context cancelled mid-poll must not keep the progress from being saved.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		_, err := s.cur.save(sctx, key, next, rev)
		cancel()
		if err != nil {
			return false, errors.Join(pollErr, err)
		}
	}
	if pollErr != nil {
		return false, pollErr
	}
	return next.Pending(), nil
}

// pollPACER runs one poll of a court's feed from its saved state and saves the state it
// returns, which records exactly the entries published, failure or not.
func (s *Service) pollPACER(ctx context.Context, pacerCourt string) (bool, error) {
	court := pacerrss.CourtListenerID(pacerCourt)
	at := s.now()
	key := pacerKey(pacerCourt)
	st := pacerrss.FeedState{Court: pacerCourt}
	rev, err := s.cur.load(ctx, key, &st)
	if err != nil {
		s.record(pacerrss.Source, court, at, err)
		return false, err
	}
	// Freshness survives a restart: the feed state remembers it.
	s.status.update(pacerrss.Source, court, func(cs *sourcestatus.Court) {
		if cs.LastNew.IsZero() {
			cs.LastNew = st.LastNew
		}
		if cs.LastSuccess.IsZero() {
			cs.LastSuccess = st.LastSuccess
		}
	})
	next, pollErr := s.rss.Poll(ctx, st, s.emitter(pacerrss.Source, court, nil))
	if errors.Is(pollErr, pacerrss.ErrTooSoon) {
		return false, pollErr
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	_, err = s.cur.save(sctx, key, next, rev)
	cancel()
	err = errors.Join(pollErr, err)
	if !errors.Is(err, context.Canceled) {
		s.record(pacerrss.Source, court, at, err)
	}
	return false, err
}
