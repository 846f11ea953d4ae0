package webhook

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"
)

// deferWindow is how long at least an event may wait for its busy endpoint (deferred
// every DeferDelay) before it is parked with the reason, not lost. A hanging endpoint is
// disabled long before (DisableAfter failures of Timeout each, PerEndpoint at a time:
// 100 s by default), and a full backlog (maxAckPending events) on one endpoint that
// answers within a second drains in well under it.
const deferWindow = 30 * time.Minute

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
	// deferred. Kept in this process's memory: deliveries deferred before a restart, or
	// by another replica (the replicas share the durable consumer, and a redelivery may
	// go to either), count here as attempts. That only makes the attempt number higher
	// and parks an event sooner; an event is still sent at most once per attempt, never
	// twice for one deferral. Sharing the counts (a KV write per deferral) would cost
	// more than the occasional early park.
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
// a hanging server has in common across the rules that point at it. The host is
// lower-cased and a scheme's default port made explicit, so that https://H/a and
// https://h:443/b are one endpoint.
func endpointOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return rawURL
	}
	scheme, host, port := strings.ToLower(u.Scheme), strings.ToLower(u.Hostname()), u.Port()
	if port == "" {
		port = defaultPorts[scheme]
	}
	if port == "" { // a scheme without a default: the host alone names it
		return scheme + "://" + host
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

var defaultPorts = map[string]string{"http": "80", "https": "443"}

// busyError is errBusy for one endpoint.
func busyError(endpoint string, limit int) error {
	return fmt.Errorf("%w: %s has %d deliveries under way; deferred", errBusy, endpoint, limit)
}
