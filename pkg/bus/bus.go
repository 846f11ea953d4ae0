// Package bus is docketwatch's JetStream contract: the streams, key-value buckets and
// object store that link the stages, created idempotently at start-up, and publish and
// consume helpers that apply the acknowledgement policy of DESIGN.md.
package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

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
	ObjectPDFs    = "pdfs"
)

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
	if o.Replicas <= 0 {
		o.Replicas = 1
	}
	if o.Duplicates <= 0 {
		o.Duplicates = 10 * time.Minute
	}
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
	exhausted.MaxAge, exhausted.MaxBytes = exhaustedMaxAge, 64<<20
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
	if Retry(ctx, ExponentialBackoff(100*time.Millisecond, 2*time.Second), func(time.Duration) bool {
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
		err = setup(ctx, js, o)
		return err == nil || time.Now().After(deadline)
	}) != nil && waiting {
		return fmt.Errorf("waiting for nats: %w", ctx.Err())
	}
	return err
}

func setup(ctx context.Context, js jetstream.JetStream, o Options) error {
	o = o.withDefaults()
	for _, cfg := range Streams(o) {
		if _, err := js.CreateOrUpdateStream(ctx, cfg); err != nil {
			return fmt.Errorf("creating stream %s: %w", cfg.Name, err)
		}
	}
	for _, b := range []struct {
		name    string
		history uint8
		ttl     time.Duration
	}{{BucketCursors, 5, 0}, {BucketSeen, 1, 0}, {BucketRules, 5, 0}, {BucketAlerted, 1, 0}, {BucketJobs, 5, 0}, {BucketLeases, 1, LeaseTTL}} {
		_, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket: b.name, History: b.history, Storage: jetstream.FileStorage, Replicas: o.Replicas, TTL: b.ttl,
		})
		if err != nil {
			return fmt.Errorf("creating bucket %s: %w", b.name, err)
		}
	}
	_, err := js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
		Bucket: ObjectPDFs, Storage: jetstream.FileStorage, Replicas: o.Replicas,
		Compression: false, // PDFs are already compressed
	})
	if err != nil {
		return fmt.Errorf("creating object store %s: %w", ObjectPDFs, err)
	}
	return nil
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
