// Package bus is docketwatch's JetStream contract: the streams, key-value buckets and
// object store that link the stages, created idempotently at start-up, and publish and
// consume helpers that apply the acknowledgement policy (Consumer.Settle).
package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/docketwatch/docketwatch/pkg/config"
	"github.com/nats-io/nats.go/jetstream"
)

// Stream names.
const (
	Filings = "FILINGS"
	Texts   = "TEXTS"
	Indexed = "INDEXED"
	Alerts  = "ALERTS"
	Dead    = "DEAD"
)

// Key-value buckets and the object store.
const (
	BucketCursors = "cursors"
	BucketSeen    = "seen"
	BucketRules   = "rules"
	BucketAlerted = "alerted"
	BucketJobs    = "jobs"
	// BucketSessions holds the web sessions signed out before they expired (api.Sessions),
	// each for as long as a session lasts.
	BucketSessions = "sessions"
	// BucketRECAP holds the RECAP lookups still to make and the purchase ledger
	// (services/fetcher/recap).
	BucketRECAP = "recap"
	// BucketRetries holds the alert events a channel failed to deliver and will try again
	// (alert.Retry), for as long as RetriesTTL: beyond any channel's retry schedule, so
	// that an entry a crash left behind expires.
	BucketRetries = "retries"
	ObjectPDFs    = "pdfs"
)

// RetriesTTL is how long an entry of BucketRetries lasts without being written again: a
// day, far beyond the webhook's (8 attempts, at most an hour apart) and email's schedules.
const RetriesTTL = 24 * time.Hour

// SearchSubject is the request/reply subject the index owner answers queries on.
const SearchSubject = "search.query"

// MaxPayload is the largest message the embedded server accepts, the NATS maximum. A
// TEXTS message carries a whole document's text, which passes the 1 MB default on long
// filings; a cluster must be configured with the same max_payload (deploy/ does so).
const MaxPayload = 64 << 20

// Subject returns the subject of a message about court in stream: "filings.cand".
func Subject(stream, token string) string {
	switch stream {
	case Filings:
		return "filings." + token
	case Texts:
		return "texts." + token
	case Indexed:
		return "indexed." + token
	case Alerts:
		return "alerts." + token
	case Dead:
		return "dead." + token
	}
	panic("bus: unknown stream " + stream)
}

// SessionTTL is how long a web sign-in lasts.
const SessionTTL = 12 * time.Hour

// Options shape the contract for a deployment.
type Options struct {
	// Replicas is the stream and bucket replication factor: 1 embedded, 3 on a cluster.
	Replicas int
	// Duplicates is the window in which a repeated Nats-Msg-Id is dropped.
	Duplicates time.Duration
	// Log is told when Setup waits for NATS; nil is slog.Default().
	Log *slog.Logger
}

func (o Options) withDefaults() Options {
	o.Replicas = config.Default(o.Replicas, 1)
	o.Duplicates = config.Default(o.Duplicates, 10*time.Minute)
	return o
}

// Streams returns the stream configurations of the contract.
func Streams(o Options) []jetstream.StreamConfig {
	o = o.withDefaults()
	stream := func(name, subjects string) jetstream.StreamConfig {
		return jetstream.StreamConfig{
			Name:       name,
			Subjects:   []string{subjects},
			Storage:    jetstream.FileStorage,
			Replicas:   o.Replicas,
			Retention:  jetstream.LimitsPolicy,
			Duplicates: o.Duplicates,
			Discard:    jetstream.DiscardOld,
		}
	}
	filings := stream(Filings, "filings.>")
	texts := stream(Texts, "texts.>")
	// TEXTS is the source of truth that re-indexing replays: kept, compressed.
	texts.Compression = jetstream.S2Compression
	indexed := stream(Indexed, "indexed.>")
	indexed.MaxAge = 30 * 24 * time.Hour
	alerts := stream(Alerts, "alerts.>")
	dead := stream(Dead, "dead.>")
	// EXHAUSTED keeps the server's max-deliveries advisories until a watcher parks the
	// messages they name (advisory.go). Limits, not interest: an advisory for a consumer
	// whose watcher has never run must still be there when it first starts.
	exhausted := stream(Exhausted, AdvisoryMaxDeliveries+".>")
	// Its bytes are reserved from the server's storage at creation: small, so that a
	// small volume can hold the contract (an advisory is ~400 bytes; 8 MiB is 20,000).
	exhausted.MaxAge, exhausted.MaxBytes = exhaustedMaxAge, 8<<20
	return []jetstream.StreamConfig{filings, texts, indexed, alerts, dead, exhausted}
}

// Setup creates or updates every stream, bucket and the object store of the contract.
// It is idempotent: every process calls it at start-up. A cluster that has just formed
// (or lost a node) answers "no suitable peers" or "temporarily unavailable" for a while,
// so Setup retries for up to a minute before it gives up.
//
// While the connection has not reached any server (a role started before NATS, with
// ConnConfig.WaitForServers) Setup waits as long as ctx allows, logging every few seconds
// that it waits and for which servers.
func Setup(ctx context.Context, js jetstream.JetStream, o Options) error {
	log := o.Log
	if log == nil {
		log = slog.Default()
	}
	deadline := time.Now().Add(time.Minute)
	var said time.Time
	var err error
	waiting := false
	if Retry(ctx, ExponentialBackoff(100*time.Millisecond, 2*time.Second), func(wait time.Duration) bool {
		nc := js.Conn()
		if waiting = nc != nil && !nc.IsConnected() && !nc.IsClosed(); waiting {
			if time.Since(said) >= 5*time.Second {
				servers := make([]string, 0, len(nc.Servers()))
				for _, s := range nc.Servers() {
					servers = append(servers, redactURL(s))
				}
				log.Warn("waiting for nats", "servers", strings.Join(servers, ","), "status", nc.Status().String())
				said = time.Now()
			}
			deadline = time.Now().Add(time.Minute) // the minute for a forming cluster starts once it answers
			return false
		}
		if err = setup(ctx, js, o, log); err == nil || time.Now().After(deadline) {
			return true
		}
		log.Info("waiting for jetstream to set up the streams", "err", err, "retry_in", wait.String())
		return false
	}) != nil && waiting {
		return fmt.Errorf("waiting for nats: %w", ctx.Err())
	}
	return err
}

// setupAttempt bounds one JetStream request of setup: a request that reached no leader
// (a cluster still electing one) is answered by no one, and is better sent again soon
// than waited on for the client's whole default timeout.
const setupAttempt = 2 * time.Second

func setup(ctx context.Context, js jetstream.JetStream, o Options, log *slog.Logger) error {
	o = o.withDefaults()
	// Every stream and bucket of a replicated cluster is a raft group that elects its
	// own leader, which takes a second or two: created one after another, a fresh
	// cluster took half a minute; created together, the elections overlap.
	g, ctx := errgroup.WithContext(ctx)
	for _, cfg := range Streams(o) {
		g.Go(func() error {
			return ensure(ctx, log, "stream "+cfg.Name, func(ctx context.Context) error {
				_, err := js.CreateOrUpdateStream(ctx, cfg)
				return err
			})
		})
	}
	for _, b := range []struct {
		name    string
		history uint8
		ttl     time.Duration
	}{{BucketCursors, 5, 0}, {BucketSeen, 1, 0}, {BucketRules, 5, 0}, {BucketAlerted, 1, 0}, {BucketJobs, 5, 0}, {BucketLeases, 1, LeaseTTL},
		{BucketSessions, 1, SessionTTL}, {BucketRECAP, 1, 0}, {BucketRetries, 1, RetriesTTL}} {
		g.Go(func() error {
			return ensure(ctx, log, "bucket "+b.name, func(ctx context.Context) error {
				_, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
					Bucket: b.name, History: b.history, Storage: jetstream.FileStorage, Replicas: o.Replicas, TTL: b.ttl,
				})
				return err
			})
		})
	}
	g.Go(func() error {
		return ensure(ctx, log, "object store "+ObjectPDFs, func(ctx context.Context) error {
			_, err := js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
				Bucket: ObjectPDFs, Storage: jetstream.FileStorage, Replicas: o.Replicas,
				Compression: false, // PDFs are already compressed
			})
			return err
		})
	})
	return g.Wait()
}

// ensure runs one creation with setupAttempt per try, trying again at once after a
// timeout (the request met no leader) and saying so when it has taken a while.
func ensure(ctx context.Context, log *slog.Logger, what string, create func(context.Context) error) error {
	start := time.Now()
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, setupAttempt)
		err := create(actx)
		cancel()
		if err == nil {
			if took := time.Since(start); took > setupAttempt {
				log.Info("jetstream set up "+what, "took", took.Round(time.Millisecond).String(), "attempts", attempt)
			}
			return nil
		}
		if ctx.Err() != nil || !errors.Is(err, context.DeadlineExceeded) || attempt >= 15 {
			return fmt.Errorf("creating %s: %w", what, err)
		}
		log.Info("waiting for jetstream to create "+what, "attempt", attempt, "waited", time.Since(start).Round(time.Millisecond).String())
	}
}

// KV returns a bucket of the contract, which Setup must have created.
func KV(ctx context.Context, js jetstream.JetStream, bucket string) (jetstream.KeyValue, error) {
	kv, err := js.KeyValue(ctx, bucket)
	if err != nil {
		return nil, fmt.Errorf("opening bucket %s: %w", bucket, err)
	}
	return kv, nil
}

// IsNotFound reports whether err says a key, object or message does not exist.
func IsNotFound(err error) bool {
	return errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrObjectNotFound) ||
		errors.Is(err, jetstream.ErrMsgNotFound)
}
