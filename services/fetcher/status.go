package fetcher

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/docketwatch/docketwatch/pkg/sourcestatus"
)

// statusBoard holds the freshness of every source, shared by the poll loops.
type statusBoard struct {
	mu     sync.Mutex
	courts map[string]*sourcestatus.Court
}

func statusKey(source, court string) string { return source + "/" + court }

// update applies f to the status of source at court, creating it.
func (b *statusBoard) update(source, court string, f func(*sourcestatus.Court)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.courts == nil {
		b.courts = map[string]*sourcestatus.Court{}
	}
	k := statusKey(source, court)
	st := b.courts[k]
	if st == nil {
		st = &sourcestatus.Court{Source: source, Court: court}
		b.courts[k] = st
	}
	f(st)
}

func (b *statusBoard) snapshot(now time.Time, quietAfter time.Duration) []sourcestatus.Court {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]sourcestatus.Court, 0, len(b.courts))
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
func (s *Service) Status() []sourcestatus.Court {
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
