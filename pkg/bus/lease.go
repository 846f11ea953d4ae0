package bus

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// BucketLeases holds leases: a key one process holds while it lives and renews more
// often than the bucket's TTL, so that a holder that dies lets its lease lapse.
const BucketLeases = "leases"

// LeaseTTL is how long a lease outlives its holder's last renewal.
const LeaseTTL = 30 * time.Second

// leaseRenewEvery is how often a held lease is renewed: three chances before it lapses.
const leaseRenewEvery = LeaseTTL / 3

// leaseMargin is how long before the TTL a holder stops trusting a lease it could not
// renew: the server's clock and ours differ, and a write under way must not outlive it.
const leaseMargin = 5 * time.Second

// Lease is a lease this process holds.
type Lease struct {
	kv  jetstream.KeyValue
	key string
	// holder names the worker ("host:/data/index"), the same after its restarts; value
	// adds this process's nonce: two live processes never share a value.
	holder, value string
	log           *slog.Logger

	// mu guards revision: renewals and Release. Valid never waits for it: a renewal
	// can take seconds while NATS is away.
	mu       sync.Mutex
	revision uint64
	renewed  atomic.Int64 // unix nanoseconds of the last renewal
	lost     chan struct{}
	stop     context.CancelFunc
	done     chan struct{}
}

// ErrLeaseHeld says another holder has the lease.
var ErrLeaseHeld = errors.New("lease held by another")

// TryLease takes the lease named key for holder, a name that says who holds it and stays
// the same across restarts of the same worker ("host:/data/index"): a worker restarted
// before its old lease lapsed takes it back at once (and the old process, should it
// still live, finds the lease lost at its next renewal). Another holder's lease gives
// ErrLeaseHeld (wrapped, naming the holder). A taken lease is renewed until Release.
func TryLease(ctx context.Context, js jetstream.JetStream, key, holder string, log *slog.Logger) (*Lease, error) {
	kv, err := KV(ctx, js, BucketLeases)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, 8)
	rand.Read(nonce)
	l := &Lease{kv: kv, key: key, holder: holder, value: holder + " " + hex.EncodeToString(nonce), log: log, lost: make(chan struct{})}
	if err := l.take(ctx); err != nil {
		return nil, err
	}
	rctx, stop := context.WithCancel(context.Background())
	l.stop, l.done = stop, make(chan struct{})
	go l.renew(rctx)
	return l, nil
}

// AcquireLease is TryLease that waits while another holds the lease, saying so in the
// log, until it is released or lapses, or ctx ends. NATS failures meanwhile are waited
// out too.
func AcquireLease(ctx context.Context, js jetstream.JetStream, key, holder string, log *slog.Logger) (*Lease, error) {
	var w jetstream.KeyWatcher
	defer func() {
		if w != nil {
			w.Stop()
		}
	}()
	var updates <-chan jetstream.KeyValueEntry
	var logged time.Time
	for {
		if updates == nil {
			// Changes to the key (a release) wake the waiter at once; the timer covers
			// a lapse, which the server does not announce, and a failed watch.
			if w != nil {
				w.Stop()
				w = nil
			}
			if kv, err := KV(ctx, js, BucketLeases); err == nil {
				if w, err = kv.Watch(ctx, key, jetstream.UpdatesOnly()); err == nil {
					updates = w.Updates()
				} else {
					w = nil
				}
			}
		}
		l, err := TryLease(ctx, js, key, holder, log)
		if err == nil || ctx.Err() != nil {
			return l, err
		}
		if time.Since(logged) > LeaseTTL {
			log.Warn("waiting for a lease", "lease", key, "err", err)
			logged = time.Now()
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case _, ok := <-updates:
			if !ok {
				updates = nil // the watch ended: the timer alone
			}
		case <-time.After(leaseRenewEvery):
		}
	}
}

// take creates the lease, or takes over one this holder left (a restart of it).
func (l *Lease) take(ctx context.Context) error {
	rev, err := l.kv.Create(ctx, l.key, []byte(l.value))
	if err == nil {
		l.held(rev)
		return nil
	}
	if !errors.Is(err, jetstream.ErrKeyExists) {
		return fmt.Errorf("taking lease %s: %w", l.key, err)
	}
	e, err := l.kv.Get(ctx, l.key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return l.take(ctx) // lapsed in between
	}
	if err != nil {
		return fmt.Errorf("reading lease %s: %w", l.key, err)
	}
	if holderOf(string(e.Value())) != l.holder {
		return l.heldBy(e)
	}
	return l.reclaim(ctx, e, "taking back")
}

// reclaim writes the lease over e, the key's entry, which is this holder's: a restart's
// (take) or one whose last renewal was lost on the way (renewOnce).
func (l *Lease) reclaim(ctx context.Context, e jetstream.KeyValueEntry, action string) error {
	rev, err := l.kv.Update(ctx, l.key, []byte(l.value), e.Revision())
	if err != nil {
		return fmt.Errorf("%s lease %s: %w", action, l.key, err)
	}
	l.held(rev)
	return nil
}

// heldBy is the error of a lease that e, the key's entry, says another holder has.
func (l *Lease) heldBy(e jetstream.KeyValueEntry) error {
	return fmt.Errorf("%w: %s holds %s", ErrLeaseHeld, holderOf(string(e.Value())), l.key)
}

func (l *Lease) held(rev uint64) {
	l.revision = rev
	l.renewed.Store(time.Now().UnixNano())
}

// holderOf is the worker name in a lease's value.
func holderOf(value string) string {
	h, _, _ := strings.Cut(value, " ")
	return h
}

// renew keeps the lease until Release. A renewal NATS cannot take is tried again; a
// lease that lapsed meanwhile is taken again if nobody else has; one that another
// process holds, even a restart of this worker, is lost for good.
func (l *Lease) renew(ctx context.Context) {
	defer close(l.done)
	every(ctx, leaseRenewEvery, func() bool {
		l.mu.Lock()
		err := l.renewOnce(ctx)
		l.mu.Unlock()
		switch {
		case err == nil || ctx.Err() != nil:
		case errors.Is(err, ErrLeaseHeld):
			l.log.Error("lease lost", "lease", l.key, "err", err)
			close(l.lost)
			return false
		default:
			l.log.Warn("renewing lease", "lease", l.key, "err", err)
		}
		return true
	})
}

func (l *Lease) renewOnce(ctx context.Context) error {
	rev, err := l.kv.Update(ctx, l.key, []byte(l.value), l.revision)
	if err == nil {
		l.held(rev)
		return nil
	}
	// Wrong revision (lapsed, or taken) or NATS away: look at what the key holds now.
	e, gerr := l.kv.Get(ctx, l.key)
	switch {
	case errors.Is(gerr, jetstream.ErrKeyNotFound):
		rev, err := l.kv.Create(ctx, l.key, []byte(l.value)) // lapsed, and nobody took it
		if err != nil {
			return fmt.Errorf("taking lapsed lease %s again: %w", l.key, err)
		}
		l.held(rev)
		return nil
	case gerr != nil:
		return fmt.Errorf("renewing lease %s: %w", l.key, err)
	case string(e.Value()) != l.value:
		return l.heldBy(e)
	}
	// Still ours (the update was lost on the way): renew from what the key holds.
	return l.reclaim(ctx, e, "renewing")
}

// Valid says whether the lease is surely still this process's: renewed within the TTL,
// less a margin. Work that must not happen under two holders (acknowledging a shard's
// messages) checks it: a holder cut off from NATS finds out it lost the lease only when
// NATS comes back, and by then another may hold it.
func (l *Lease) Valid() bool {
	select {
	case <-l.lost:
		return false
	default:
	}
	return time.Since(time.Unix(0, l.renewed.Load())) < LeaseTTL-leaseMargin
}

// Lost is closed when another process took the lease.
func (l *Lease) Lost() <-chan struct{} { return l.lost }

// Release gives the lease up, for the next holder to take at once.
func (l *Lease) Release() {
	l.stop()
	<-l.done
	l.mu.Lock()
	defer l.mu.Unlock()
	select {
	case <-l.lost:
		return // not ours any more
	default:
	}
	// Not worth a long wait: a lease not released lapses within LeaseTTL anyway.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := l.kv.Delete(ctx, l.key, jetstream.LastRevision(l.revision)); err != nil {
		l.log.Warn("releasing lease", "lease", l.key, "err", err)
	}
}
