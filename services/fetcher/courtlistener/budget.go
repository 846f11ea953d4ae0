package courtlistener

import (
	"sync"
	"time"
)

// Limits is a request budget; a zero field is no limit in that window.
type Limits struct {
	PerMinute int `json:"per_minute,omitempty"`
	PerHour   int `json:"per_hour,omitempty"`
	PerDay    int `json:"per_day,omitempty"`
}

// DefaultLimits are CourtListener's rates for an ordinary account at the time of writing
// (5/min, 50/hour, 125/day, all enforced at once). Members and commercial users have more.
var DefaultLimits = Limits{PerMinute: 5, PerHour: 50, PerDay: 125}

// maxWindowLimit bounds the request log a window keeps.
const maxWindowLimit = 1 << 20

// budget is a sliding log per window, like DRF's throttle, so that the client waits
// before the server would refuse rather than after.
type budget struct {
	mu      sync.Mutex
	windows []*slidingWindow
}

type slidingWindow struct {
	span  time.Duration
	limit int
	times []time.Time // ring of the last `limit` request times
	head  int
	full  bool
}

func newBudget(l Limits) *budget {
	b := &budget{}
	for _, w := range []struct {
		n    int
		span time.Duration
	}{{l.PerMinute, time.Minute}, {l.PerHour, time.Hour}, {l.PerDay, 24 * time.Hour}} {
		if w.n > 0 {
			n := min(w.n, maxWindowLimit)
			b.windows = append(b.windows, &slidingWindow{span: w.span, limit: n, times: make([]time.Time, n)})
		}
	}
	return b
}

// reserve takes a request slot at now and returns 0, or returns how long to wait before
// one is free (taking nothing).
func (b *budget) reserve(now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	var wait time.Duration
	for _, w := range b.windows {
		if !w.full {
			continue
		}
		// The oldest of the last `limit` requests is at head.
		if d := w.times[w.head].Add(w.span).Sub(now); d > wait {
			wait = d
		}
	}
	if wait > 0 {
		return wait
	}
	for _, w := range b.windows {
		w.times[w.head] = now
		w.head = (w.head + 1) % w.limit
		if w.head == 0 {
			w.full = true
		}
	}
	return 0
}
