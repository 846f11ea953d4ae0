package courtlistener

import (
	"context"
	"slices"
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

// The budget's safety margin. CourtListener's throttle (DRF's SimpleRateThrottle) logs a
// request when it arrives, the client when it leaves: with the network between them, a
// slot the client sees free at the window's edge can still be taken on the server. So
// each window is held longer by windowPad, and a twentieth of each limit is left unused
// for requests the log does not know (another tool on the same token).
const windowPad = 2 * time.Second

func margin(limit int) int { return limit - limit/20 }

// BudgetLog holds the times of the requests made on the account, oldest first. Keeping
// it outside the process (a KV bucket) makes a restart remember what it spent and lets
// every fetcher of the account share one budget.
type BudgetLog interface {
	// Update calls f with the log and stores what f returns, atomically: f may be
	// called again when another writer got there first. f returns nil to store nothing.
	Update(ctx context.Context, f func(times []time.Time) []time.Time) error
}

// MemoryLog is a BudgetLog in memory: one process's, forgotten on restart.
type MemoryLog struct {
	mu    sync.Mutex
	times []time.Time
}

// Update implements BudgetLog.
func (m *MemoryLog) Update(_ context.Context, f func([]time.Time) []time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if next := f(m.times); next != nil {
		m.times = next
	}
	return nil
}

// budget is a sliding log per window, like DRF's throttle, so that the client waits
// before the server would refuse rather than after.
type budget struct {
	log     BudgetLog
	windows []window
}

type window struct {
	span  time.Duration
	limit int
}

func newBudget(l Limits, log BudgetLog) *budget {
	if log == nil {
		log = &MemoryLog{}
	}
	b := &budget{log: log}
	for _, w := range []window{{time.Minute, l.PerMinute}, {time.Hour, l.PerHour}, {24 * time.Hour, l.PerDay}} {
		if w.limit > 0 {
			b.windows = append(b.windows, window{span: w.span + windowPad, limit: margin(w.limit)})
		}
	}
	return b
}

// reserve takes a request slot at now and returns 0, or returns how long to wait before
// one is free (taking nothing).
func (b *budget) reserve(ctx context.Context, now time.Time) (time.Duration, error) {
	if len(b.windows) == 0 {
		return 0, nil
	}
	var wait time.Duration
	err := b.log.Update(ctx, func(times []time.Time) []time.Time {
		wait = b.waitFor(times, now)
		if wait > 0 {
			return nil
		}
		// Keep what the longest window still counts, and the new request.
		longest := b.windows[len(b.windows)-1].span
		kept := make([]time.Time, 0, len(times)+1)
		for _, t := range times {
			if now.Sub(t) < longest {
				kept = append(kept, t)
			}
		}
		// Other processes' clocks may be a little behind: keep the log in order.
		kept = append(kept, now)
		slices.SortFunc(kept, time.Time.Compare)
		return kept
	})
	return wait, err
}

// waitFor returns how long until every window has a free slot at now.
func (b *budget) waitFor(times []time.Time, now time.Time) time.Duration {
	var wait time.Duration
	for _, w := range b.windows {
		in := 0
		for i := len(times) - 1; i >= 0 && now.Sub(times[i]) < w.span; i-- {
			in++
		}
		if in < w.limit {
			continue
		}
		// The slot frees when the oldest of the last `limit` requests leaves the window.
		oldest := times[len(times)-w.limit]
		wait = max(wait, oldest.Add(w.span).Sub(now))
	}
	return wait
}
