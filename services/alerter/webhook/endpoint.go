package webhook

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
)

// maxDeferrals bounds how often one event is put back because its endpoint was busy,
// on top of MaxAttempts real attempts. A deferral waits the consumer's backoff for the
// delivery count (2 s doubling to 10 min by default), so 50 is hours of waiting: an
// endpoint that holds its slots that long has been disabled (DisableAfter) long before,
// and an event still waiting after that is parked with the reason, not lost.
const maxDeferrals = 50

// errBusy marks a delivery that was not attempted because its endpoint already had
// PerEndpoint deliveries under way: the event comes back after a delay, and the rule's
// failure count is not touched.
var errBusy = errors.New("webhook endpoint busy")

// endpoints bounds the deliveries under way to each endpoint, so that an endpoint that
// hangs holds at most limit of the deliverer's workers while the others keep flowing.
// A delivery that finds its endpoint full is deferred (put back with a delay, never
// waited for in a worker); endpoints counts the deferrals of each event so that they
// are not taken for failed attempts.
type endpoints struct {
	limit int
	// maxTracked bounds deferred: at most the consumer's unacknowledged messages are
	// pending, and a count dropped early only makes an event look further along in its
	// attempts (parked sooner), never delivered twice.
	maxTracked int

	mu sync.Mutex
	// busy holds the deliveries under way by endpoint; an idle endpoint has no entry, so
	// the map is bounded by the deliverer's concurrency.
	busy map[string]int
	// deferred holds, by the event's stream sequence, how many of its deliveries were
	// deferred. Kept in memory: after a restart those deliveries count as attempts.
	deferred map[uint64]int
}

func newEndpoints(limit, maxTracked int) *endpoints {
	return &endpoints{limit: limit, maxTracked: maxTracked, busy: map[string]int{}, deferred: map[uint64]int{}}
}

// acquire takes a delivery slot of endpoint, or reports that all are in use.
func (e *endpoints) acquire(endpoint string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.busy[endpoint] >= e.limit {
		return false
	}
	e.busy[endpoint]++
	return true
}

// release gives back a slot acquire took.
func (e *endpoints) release(endpoint string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.busy[endpoint] <= 1 {
		delete(e.busy, endpoint)
		return
	}
	e.busy[endpoint]--
}

// deferrals returns how many deliveries of the event at seq were deferred.
func (e *endpoints) deferrals(seq uint64) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.deferred[seq]
}

// deferOnce counts one more deferred delivery of the event at seq and returns the count.
func (e *endpoints) deferOnce(seq uint64) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.deferred[seq]; !ok && len(e.deferred) >= e.maxTracked {
		for old := range e.deferred { // any one: see maxTracked
			delete(e.deferred, old)
			break
		}
	}
	e.deferred[seq]++
	return e.deferred[seq]
}

// forget drops the count of an event that is settled for good (delivered, dropped or
// parked).
func (e *endpoints) forget(seq uint64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.deferred, seq)
}

// endpointOf names the endpoint of a webhook URL: scheme, host and port, which is what
// a hanging server has in common across the rules that point at it.
func endpointOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return rawURL
	}
	return strings.ToLower(u.Scheme + "://" + u.Host)
}

// busyError is errBusy for one endpoint.
func busyError(endpoint string, limit int) error {
	return fmt.Errorf("%w: %s has %d deliveries under way; deferred", errBusy, endpoint, limit)
}
