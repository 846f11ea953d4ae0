package fetcher

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"time"
)

// CourtStatus is the freshness of one source at one court.
type CourtStatus struct {
	Source string `json:"source"` // "courtlistener" or "pacerrss"
	Court  string `json:"court"`
	// LastPoll is the last attempt, LastSuccess the last poll that completed, LastNew the
	// last time it published a document that was new (or a new version).
	LastPoll    time.Time `json:"last_poll,omitzero"`
	LastSuccess time.Time `json:"last_success,omitzero"`
	LastNew     time.Time `json:"last_new,omitzero"`
	// Published counts documents published since the process started.
	Published int64 `json:"published"`
	// Errors counts consecutive failed polls, TotalErrors all of them since start.
	Errors      int       `json:"errors"`
	TotalErrors int       `json:"total_errors"`
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
	// NextPoll is when the source polls next.
	NextPoll time.Time `json:"next_poll,omitzero"`
	// Quiet says nothing new arrived for longer than Config.QuietAfter.
	Quiet bool `json:"quiet"`
	// Parked counts documents whose PDF could not be fetched after every attempt, since
	// start; they are in DEAD (`docketwatch dead list`).
	Parked int `json:"parked"`
	// Stopped says the source gave up on a permanent error (a refused token, a court
	// without a feed) and needs a configuration change and a restart.
	Stopped bool `json:"stopped"`
}

// statusBoard holds the freshness of every source, shared by the poll loops.
type statusBoard struct {
	mu     sync.Mutex
	courts map[string]*CourtStatus
}

func statusKey(source, court string) string { return source + "/" + court }

// update applies f to the status of source at court, creating it.
func (b *statusBoard) update(source, court string, f func(*CourtStatus)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.courts == nil {
		b.courts = map[string]*CourtStatus{}
	}
	k := statusKey(source, court)
	st := b.courts[k]
	if st == nil {
		st = &CourtStatus{Source: source, Court: court}
		b.courts[k] = st
	}
	f(st)
}

func (b *statusBoard) snapshot(now time.Time, quietAfter time.Duration) []CourtStatus {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]CourtStatus, 0, len(b.courts))
	for _, st := range b.courts {
		c := *st
		last := c.LastNew
		if last.IsZero() {
			last = c.LastSuccess
		}
		c.Quiet = !last.IsZero() && now.Sub(last) > quietAfter
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Source != out[j].Source {
			return out[i].Source < out[j].Source
		}
		return out[i].Court < out[j].Court
	})
	return out
}

// Status returns the freshness of every configured source and court, sorted by source
// and court. It is safe to call at any time, from any goroutine.
func (s *Service) Status() []CourtStatus {
	return s.status.snapshot(s.now(), s.cfg.QuietAfter)
}

// Ready reports an error when a source has stopped for good (a refused token, a court
// without a feed): the process runs, but does not do what it was configured to.
func (s *Service) Ready() error {
	var errs []error
	for _, c := range s.Status() {
		if c.Stopped {
			errs = append(errs, fmt.Errorf("fetcher source %s %s stopped: %s", c.Source, c.Court, c.LastError))
		}
	}
	return errors.Join(errs...)
}

// StatusHandler serves Status as JSON, for a status endpoint. It answers 503 when a
// source is stopped or failing, so a probe notices.
func (s *Service) StatusHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := s.Status()
		code := http.StatusOK
		for _, c := range st {
			if c.Stopped || c.Errors > 0 {
				code = http.StatusServiceUnavailable
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(map[string]any{"sources": st})
	})
}
