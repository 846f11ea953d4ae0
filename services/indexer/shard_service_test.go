package indexer

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/job"
	"github.com/docketwatch/docketwatch/pkg/poll"
	"github.com/docketwatch/docketwatch/pkg/search"
	"github.com/nats-io/nats.go/jetstream"
)

// openShard opens the index of one shard under its own root and starts its live writer
// and a job runner for its re-index jobs, as an indexer process of a sharded
// deployment does.
func (v *env) openShard(root string, shard search.Shard) *Index {
	v.t.Helper()
	x, err := OpenShard(root, shard)
	if err != nil {
		v.t.Fatal(err)
	}
	v.run(x, ReindexOptions{})
	return x
}

// TestShardedIndexers runs two indexers, each owning half of TEXTS by the hash of the
// DocID: together they hold every document exactly once, each announces only its own
// on INDEXED, and a re-index (one job per shard) rebuilds each shard from TEXTS with
// its own part only, while documents keep arriving.
func TestShardedIndexers(t *testing.T) {
	v := newEnv(t)
	shards := []search.Shard{{Index: 0, Count: 2}, {Index: 1, Count: 2}}
	var xs []*Index
	for _, s := range shards {
		xs = append(xs, v.openShard(t.TempDir(), s))
	}
	texts := smallTexts(t, "a", 400)
	v.publish(texts)
	waitShards := func(total int) {
		t.Helper()
		poll.UntilGot(t, 30*time.Second, fmt.Sprintf("the shards to hold %d documents", total), func() (bool, string) {
			var sum uint64
			for _, x := range xs {
				c, _ := x.DocCount()
				sum += c
			}
			return sum == uint64(total), fmt.Sprint(sum)
		})
	}
	checkPartition := func(all []filing.Text) {
		t.Helper()
		for _, tx := range all {
			id := tx.Document.ID
			for i, x := range xs {
				_, err := x.Document(context.Background(), id, false)
				switch owns := shards[i].Owns(id); {
				case owns && err != nil:
					t.Fatalf("shard %s lacks its document %s: %v", shards[i], id, err)
				case !owns && err == nil:
					t.Fatalf("shard %s holds %s, which belongs to the other shard", shards[i], id)
				}
			}
		}
	}
	waitShards(len(texts))
	checkPartition(texts)
	for i, x := range xs {
		if c, _ := x.DocCount(); c == 0 || c == uint64(len(texts)) {
			t.Fatalf("shard %d holds %d of %d documents: the hash does not split them", i, c, len(texts))
		}
	}
	if n := v.streamMsgs(bus.Indexed); n != uint64(len(texts)) {
		t.Fatalf("INDEXED holds %d announcements for %d documents: each shard must announce only its own", n, len(texts))
	}

	versions := []string{xs[0].Version(), xs[1].Version()}
	jobs, err := CreateReindex(context.Background(), v.store, job.Selection{}, len(shards))
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 2 || jobs[0].Kind == jobs[1].Kind {
		t.Fatalf("a re-index of 2 shards made jobs %v", jobs)
	}
	// These carry the Doc-Id header, as the extractor's do: a shard skips the others'
	// without decoding them.
	more := smallTexts(t, "b", 100)
	for _, tx := range more {
		if _, err := bus.Publish(context.Background(), v.js, bus.Out{Subject: bus.Subject(bus.Texts, filing.CourtToken(tx.Document.Docket.Court)),
			DocID: tx.Document.ID, Value: tx}); err != nil {
			t.Fatal(err)
		}
	}
	for _, j := range jobs {
		if got := v.waitJob(j.ID, time.Minute, finished); got.State != job.Done {
			t.Fatalf("job %s (%s) ended %s: %s", got.ID, got.Kind, got.State, got.Message)
		}
	}
	waitShards(len(texts) + len(more))
	for i, x := range xs {
		if x.Version() == versions[i] {
			t.Errorf("shard %d still serves index %s: the re-index did not swap", i, versions[i])
		}
	}
	checkPartition(append(texts, more...))
}

// TestShardIsRecorded checks an index is never opened as another shard than the one it
// was built for, nor a whole index as a shard: its documents would be the wrong ones.
func TestShardIsRecorded(t *testing.T) {
	root := t.TempDir()
	x, err := OpenShard(root, search.Shard{Index: 0, Count: 2})
	if err != nil {
		t.Fatal(err)
	}
	x.Close()
	for _, other := range []search.Shard{{Index: 1, Count: 2}, {Index: 0, Count: 3}, {}} {
		if x, err := OpenShard(root, other); err == nil {
			x.Close()
			t.Errorf("shard 0/2's index opened as %s", other)
		} else if !strings.Contains(err.Error(), "holds shard 0/2") {
			t.Errorf("opening as %s: %v", other, err)
		}
	}
	if x, err = OpenShard(root, search.Shard{Index: 0, Count: 2}); err != nil {
		t.Fatalf("reopening the same shard: %v", err)
	}
	x.Close()

	whole := t.TempDir()
	if x, err = Open(whole); err != nil {
		t.Fatal(err)
	}
	x.Close()
	if x, err := OpenShard(whole, search.Shard{Index: 1, Count: 2}); err == nil {
		x.Close()
		t.Error("a whole index opened as shard 1/2")
	}
}

// TestNewIndexReadsTextsFromTheStart: a shard's indexer that comes back with a new, empty
// directory (another machine took over, a volume was lost) fills it from the whole of
// TEXTS, though the shard's consumer had acknowledged everything for the old one.
func TestNewIndexReadsTextsFromTheStart(t *testing.T) {
	v := newEnv(t)
	shard := search.Shard{Index: 0, Count: 2}
	texts := smallTexts(t, "a", 200)
	v.publish(texts)
	want := 0
	for _, tx := range texts {
		if shard.Owns(tx.Document.ID) {
			want++
		}
	}
	runUntil := func(dir string) {
		t.Helper()
		x, err := OpenShard(dir, shard)
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			done <- stage(Config{}, v.conn("indexer"), x, quiet()).Run(ctx)
		}()
		poll.UntilGot(t, 30*time.Second, fmt.Sprintf("the index in %s to hold the shard's %d documents", dir, want), func() (bool, string) {
			c, _ := x.DocCount()
			return c == uint64(want), fmt.Sprint(c)
		})
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	runUntil(t.TempDir())
	runUntil(t.TempDir()) // the same shard, a new directory
}

// stage is New for a configuration the test knows is valid: it panics otherwise.
func stage(cfg Config, js jetstream.JetStream, x *Index, log *slog.Logger) *Service {
	s, err := New(cfg, Deps{JS: js, Index: x, Log: log})
	if err != nil {
		panic(err)
	}
	return s
}
