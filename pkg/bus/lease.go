package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
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

// Lease is a lease this process holds.
type Lease struct {
	kv     jetstream.KeyValue
	key    string
	holder string
	log    *slog.Logger

	mu       sync.Mutex
	revision uint64
	lost     chan struct{}
	stop     context.CancelFunc
	done     chan struct{}
}

// ErrLeaseHeld says another holder has the lease.
var ErrLeaseHeld = errors.New("lease held by another")

// TryLease takes the lease named key for holder, a name that says who holds it and stays
// the same across restarts of the same worker ("host:/data/index"): a worker restarted
// before its old lease lapsed takes it back at once. Another holder's lease gives
// ErrLeaseHeld (wrapped, naming the holder). A taken lease is renewed until Release.
func TryLease(ctx context.Context, js jetstream.JetStream, key, holder string, log *slog.Logger) (*Lease, error) {
	kv, err := KV(ctx, js, BucketLeases)
	if err != nil {
		return nil, err
	}
	l := &Lease{kv: kv, key: key, holder: holder, log: log, lost: make(chan struct{})}
	if err := l.take(ctx); err != nil {
		return nil, err
	}
	rctx, stop := context.WithCancel(context.Background())
	l.stop, l.done = stop, make(chan struct{})
	go l.renew(rctx)
	return l, nil
}

// AcquireLease is TryLease that waits while another holds the lease, saying so in the
// log, until it is released or lapses, or ctx ends.
func AcquireLease(ctx context.Context, js jetstream.JetStream, key, holder string, log *slog.Logger) (*Lease, error) {
	kv, err := KV(ctx, js, BucketLeases)
	if err != nil {
		return nil, err
	}
	// Changes to the key (a release) wake the waiter at once; the timer covers a lapse,
	// which the server does not announce.
	w, err := kv.Watch(ctx, key, jetstream.UpdatesOnly())
	if err != nil {
		return nil, fmt.Errorf("watching lease %s: %w", key, err)
	}
	defer w.Stop()
	updates := w.Updates()
	var logged time.Time
	for {
		l, err := TryLease(ctx, js, key, holder, log)
		if !errors.Is(err, ErrLeaseHeld) {
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

// take creates the lease, or takes over one this holder left.
func (l *Lease) take(ctx context.Context) error {
	rev, err := l.kv.Create(ctx, l.key, []byte(l.holder))
	if err == nil {
		l.revision = rev
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
	if string(e.Value()) != l.holder {
		return fmt.Errorf("%w: %s holds %s", ErrLeaseHeld, e.Value(), l.key)
	}
	rev, err = l.kv.Update(ctx, l.key, []byte(l.holder), e.Revision())
	if err != nil {
		return fmt.Errorf("taking back lease %s: %w", l.key, err)
	}
	l.revision = rev
	return nil
}

// renew keeps the lease until Release. A renewal NATS cannot take is tried again; a
// lease found held by another (this process stalled past the TTL) is lost for good.
func (l *Lease) renew(ctx context.Context) {
	defer close(l.done)
	t := time.NewTicker(leaseRenewEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		l.mu.Lock()
		rev, err := l.kv.Update(ctx, l.key, []byte(l.holder), l.revision)
		if err != nil && ctx.Err() == nil {
			// Lapsed while NATS was away, or taken: take it again if nobody else has.
			err = l.take(ctx)
			rev = l.revision
		}
		if err == nil {
			l.revision = rev
		}
		l.mu.Unlock()
		switch {
		case err == nil || ctx.Err() != nil:
		case errors.Is(err, ErrLeaseHeld):
			l.log.Error("lease lost", "lease", l.key, "err", err)
			close(l.lost)
			return
		default:
			l.log.Warn("renewing lease", "lease", l.key, "err", err)
		}
	}
}

// Lost is closed when another holder took the lease.
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
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := l.kv.Delete(ctx, l.key, jetstream.LastRevision(l.revision)); err != nil {
		l.log.Warn("releasing lease", "lease", l.key, "err", err)
	}
}
