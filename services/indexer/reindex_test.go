package indexer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/services/indexer/schema"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/job"
	"github.com/docketwatch/docketwatch/pkg/poll"
	"github.com/docketwatch/docketwatch/pkg/run/runtest"
	"github.com/docketwatch/docketwatch/pkg/search"
	"github.com/nats-io/nats.go/jetstream"
)

// specVar gives a re-index child process (TestMain) its childSpec, in JSON. The kill
// test runs the job there, and the child crashes (SIGKILL) once the job has recorded a
// position in its replay.
const specVar = "DOCKETWATCH_REINDEX_CHILD"

type childSpec struct {
	Root    string
	MaxDocs int
}

func TestMain(m *testing.M) {
	runtest.ServeChild(map[string]runtest.Role{"reindex": reindexChild})
	os.Exit(m.Run())
}

// reindexChild owns the index as a node does: the live writer and a job runner with the
// re-index handler, until it is killed.
func reindexChild(ctx context.Context, live *runtest.Joined) error {
	var s childSpec
	if err := json.Unmarshal([]byte(os.Getenv(specVar)), &s); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	x, err := Open(s.Root)
	if err != nil {
		return err
	}
	jobs, err := runtest.JoinNATS(ctx, "jobs")
	if err != nil {
		return err
	}
	defer jobs.Close()
	go stage(Config{}, live.JS, x, log).Run(ctx)
	store, err := job.NewStore(ctx, jobs.JS)
	if err != nil {
		return err
	}
	reindex := ReindexJob(x, jobs.JS, ReindexOptions{MaxDocs: s.MaxDocs, Log: log})
	crashMidReplay := func(ctx context.Context, j *job.Job, report func() error) error {
		return reindex(ctx, j, func() error {
			if err := report(); err != nil {
				return err
			}
			if j.Detail["phase"] == phaseReplay && j.Position > 0 {
				// The runner saves a report once a second at most: save this one, so
				// that the job's store holds the position the crash leaves.
				if err := store.Update(ctx, j); err != nil {
					return err
				}
				runtest.Crash("replay")
			}
			return nil
		})
	}
	runner := job.NewRunner(store, log, map[string]job.Handler{ReindexKind: crashMidReplay})
	runner.LeaseFor = 2 * time.Second
	runner.Run(ctx)
	return nil
}

// env is a JetStream server, an index under a root directory, its live writer, and job
// runners, as a node runs them.
type env struct {
	t     testing.TB
	e     *bus.Embedded
	js    jetstream.JetStream
	root  string
	x     *Index
	store *job.Store
	stop  []func()
}

func newEnv(t testing.TB) *env {
	t.Helper()
	e := bustest.Server(t)
	_, js := bustest.JetStream(t, e)
	store, err := job.NewStore(context.Background(), js)
	if err != nil {
		t.Fatal(err)
	}
	v := &env{t: t, e: e, js: js, root: t.TempDir(), store: store}
	t.Cleanup(v.close)
	return v
}

// envWith is a new env whose TEXTS holds texts, its index not open yet: a benchmark
// times the writer or the job from there.
func envWith(t testing.TB, texts []filing.Text) *env {
	t.Helper()
	v := newEnv(t)
	v.publish(texts)
	return v
}

func (v *env) conn(name string) jetstream.JetStream {
	v.t.Helper()
	nc, js := bustest.Client(v.t, v.e, name)
	if id, err := nc.GetClientID(); err == nil && os.Getenv("REINDEX_LOG") != "" {
		fmt.Fprintf(os.Stderr, "conn %s = [%d]\n", name, id)
	}
	return js
}

// open opens the index and starts its live writer and a job runner with the re-index
// handler.
func (v *env) open(opt ReindexOptions) { v.openWith(liveConfig(), opt) }

func (v *env) openWith(config map[string]any, opt ReindexOptions) {
	v.t.Helper()
	x, err := openWith(v.root, config)
	if err != nil {
		v.t.Fatal(err)
	}
	v.x = x
	v.run(x, opt)
}

// run starts x's live writer and a job runner for its re-index jobs; both stop, and x
// closes, with the env.
func (v *env) run(x *Index, opt ReindexOptions) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		stage(Config{}, v.conn("indexer"), x, quiet()).Run(ctx)
	}()
	jobJS := v.conn("jobs")
	if opt.Log == nil {
		opt.Log = quiet()
	}
	runner := job.NewRunner(v.store, quiet(), map[string]job.Handler{ReindexKindFor(x.Shard()): ReindexJob(x, jobJS, opt)})
	runner.LeaseFor = 2 * time.Second
	go func() { defer wg.Done(); runner.Run(ctx) }()
	v.stop = append(v.stop, func() { cancel(); wg.Wait(); x.Close() })
}

func (v *env) close() {
	for i := len(v.stop) - 1; i >= 0; i-- {
		v.stop[i]()
	}
	v.stop = nil
}

func quiet() *slog.Logger {
	if os.Getenv("REINDEX_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// publish puts texts on TEXTS, as the extractor does.
func (v *env) publish(texts []filing.Text) {
	v.t.Helper()
	ctx := context.Background()
	for _, t := range texts {
		data, err := json.Marshal(t)
		if err != nil {
			v.t.Fatal(err)
		}
		if _, err := v.js.Publish(ctx, bus.Subject(bus.Texts, filing.CourtToken(t.Document.Docket.Court)), data); err != nil {
			v.t.Fatal(err)
		}
	}
}

// waitCount waits until the live index holds n documents, failing if the count stays
// the same for stall: ingesting thousands takes a loaded machine minutes.
func (v *env) waitCount(n uint64, stall time.Duration) {
	v.t.Helper()
	poll.WhileProgressing(v.t, stall, fmt.Sprintf("the index to hold %d documents", n), func() (bool, string) {
		c, err := v.x.DocCount()
		return err == nil && c == n, fmt.Sprintf("%d (%v)", c, err)
	})
}

// waitJob waits until the job satisfies ok, failing if its state, phase and position
// stay the same for stall: a re-index takes a loaded machine minutes.
func (v *env) waitJob(id string, stall time.Duration, ok func(*job.Job) bool) *job.Job {
	v.t.Helper()
	var j *job.Job
	poll.WhileProgressing(v.t, stall, "job "+id, func() (bool, string) {
		var err error
		if j, err = v.store.Get(context.Background(), id); err != nil {
			v.t.Fatal(err)
		}
		return ok(j), fmt.Sprintf("state %s, phase %s, position %d, %s", j.State, j.Detail["phase"], j.Position, j.Message)
	})
	return j
}

func finished(j *job.Job) bool { return j.State.Finished() }

func (v *env) streamMsgs(name string) uint64 {
	v.t.Helper()
	return uint64(bustest.Count(v.t, v.js, name))
}

// liveYear dates the documents ingested during a re-index, after every initial one: a
// query up to the year before counts the initial documents only.
const liveYear = 2031

// smallTexts builds n short documents from real docket entries (court, docket, case
// name, filed date, description), ids prefix:000000 on, each a page of its entry's
// description and a page of its case's caption. Small texts keep a 10,000-document
// index quick to build in a test.
func smallTexts(t testing.TB, prefix string, n int) []filing.Text {
	t.Helper()
	entries := readEntries(t, corpusPath("docket-entries.jsonl"))
	out := make([]filing.Text, 0, n)
	for i := range n {
		e := entries[i%len(entries)]
		doc := entryDocument(t, prefix, "test", i, entries)
		if prefix != "gen" {
			doc.Entry.Filed = time.Date(liveYear, 1, 1+i%300, 0, 0, 0, 0, time.UTC)
		}
		out = append(out, filing.Text{
			Schema: filing.Schema, Document: doc, Version: 1, Extractor: "test/1",
			Pages: []filing.Page{{Number: 1, Text: e.Description}, {Number: 2, Text: e.CaseName + ", " + e.Court + " " + e.Docket}},
		})
	}
	return out
}

// nextSecond waits for the next whole second and returns it. Indexed times come back
// from the index to the second: a document indexed from then on reads as indexed at or
// after it, one indexed before reads as before it.
func nextSecond() time.Time {
	s := time.Now().Truncate(time.Second).Add(time.Second)
	time.Sleep(time.Until(s) + 5*time.Millisecond)
	return s
}

func courtCounts(texts []filing.Text) map[string]int {
	out := map[string]int{}
	for _, t := range texts {
		out[t.Document.Docket.Court]++
	}
	return out
}

// TestReindexWhileSearching re-indexes 10,000 documents while queries run without a
// pause and live ingestion goes on: no query fails, every answer is that of a complete
// index (the documents of before the job, all of them, with their per-court counts),
// answers move from the old index to the new exactly once, what was ingested during the
// build is in the new index, and the replay announced nothing on INDEXED.
func TestReindexWhileSearching(t *testing.T) {
	const n = 10_000
	v := newEnv(t)
	v.open(ReindexOptions{})
	initial := smallTexts(t, "gen", n)
	ingestStart := time.Now()
	v.publish(initial)
	v.waitCount(n, 90*time.Second)
	t.Logf("initial ingest of %d documents through the live writer: %s (%.0f docs/s)", n, time.Since(ingestStart).Round(time.Millisecond), n/time.Since(ingestStart).Seconds())
	wantCourts := courtCounts(initial)
	// A batch is searchable once committed and announced on INDEXED just after: the last
	// announcements may still be on their way when the count is reached.
	poll.Until(t, 30*time.Second, "INDEXED to announce every document", func() bool { return v.streamMsgs(bus.Indexed) >= n })
	indexedBefore := v.streamMsgs(bus.Indexed)
	if indexedBefore != n {
		t.Fatalf("INDEXED holds %d messages after the initial ingest; want %d", indexedBefore, n)
	}
	if v.x.Version() != "v1" {
		t.Fatalf("version %s; want v1", v.x.Version())
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var queries, failures, fromOld, fromNew atomic.Int64
	var searchErr atomic.Value
	fail := func(format string, args ...any) {
		if ctx.Err() != nil {
			return // the test is over: a query cut short by it is no failure of the index
		}
		failures.Add(1)
		searchErr.CompareAndSwap(nil, fmt.Sprintf(format, args...))
	}
	jobStart := nextSecond()
	probe := initial[n/2].Document.ID
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sawNew := false
			for i := 0; ctx.Err() == nil; i++ {
				// Paced, so that two searchers leave the build its share of two cores.
				time.Sleep(2 * time.Millisecond)
				queries.Add(1)
				switch (i + w) % 3 {
				case 0:
					// Every initial document, counted by court: an incomplete index differs.
					res, err := v.x.Search(ctx, search.Query{FiledTo: time.Date(liveYear-1, 12, 31, 0, 0, 0, 0, time.UTC),
						Facets: []string{search.FacetCourt}, FacetSize: 100, NoHighlight: true, Limit: 1})
					if err != nil {
						fail("search: %v", err)
						continue
					}
					if res.Total != n {
						fail("total %d; want %d", res.Total, n)
					}
					for _, f := range res.Facets[search.FacetCourt].Terms {
						if f.Count != wantCourts[f.Term] {
							fail("court %s: %d documents; want %d", f.Term, f.Count, wantCourts[f.Term])
						}
					}
				case 1:
					// A full-text query of the initial documents.
					res, err := v.x.Search(ctx, search.Query{Q: "affidavit", Court: []string{"akd"}, NoHighlight: true})
					if err != nil {
						fail("search: %v", err)
					} else if res.Total == 0 {
						fail("no hit for affidavit in akd")
					}
				case 2:
					// Which index answers: the new one indexed the probe after the job began.
					rec, err := v.x.Document(ctx, probe, false)
					if err != nil {
						fail("document: %v", err)
						continue
					}
					isNew := !rec.IndexedAt.Before(jobStart)
					if sawNew && !isNew {
						fail("an answer from the old index after one from the new")
					}
					sawNew = sawNew || isNew
					if isNew {
						fromNew.Add(1)
					} else {
						fromOld.Add(1)
					}
				}
			}
		}()
	}

	j, err := v.store.Create(ctx, ReindexKind, job.Selection{})
	if err != nil {
		t.Fatal(err)
	}
	// Live ingestion during the build: new documents, and new versions of old ones.
	live := smallTexts(t, "live", 300)
	revised := append([]filing.Text(nil), initial[:100]...)
	for i := range revised {
		revised[i].Version = 2
		revised[i].Pages = append(revised[i].Pages, filing.Page{Number: 3, Text: "Corrected filing."})
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i, t := range append(live, revised...) {
			data, _ := json.Marshal(t)
			if _, err := v.js.Publish(ctx, bus.Subject(bus.Texts, filing.CourtToken(t.Document.Docket.Court)), data); err != nil {
				fail("publishing live: %v", err)
				return
			}
			if i%10 == 0 {
				time.Sleep(5 * time.Millisecond)
			}
		}
	}()
	j = v.waitJob(j.ID, 90*time.Second, finished)
	elapsed := time.Since(jobStart)
	// A few queries on the new index alone (a fixed 100 ms here could pass on a loaded
	// machine with no probe run after the swap). Once a probe is answered by the new
	// index, every query started after it runs there: 8 more started, 2 at most still
	// under way, are 6 done, each kind at least once.
	poll.UntilGot(t, 30*time.Second, "an answer from the new index", func() (bool, string) {
		return fromNew.Load() > 0, fmt.Sprintf("%d from the old", fromOld.Load())
	})
	after := queries.Load()
	poll.Until(t, 30*time.Second, "six queries on the new index", func() bool { return queries.Load() >= after+8 })
	cancel()
	wg.Wait()

	if j.State != job.Done {
		t.Fatalf("job %s: %s", j.State, j.Message)
	}
	if failures.Load() > 0 {
		t.Fatalf("%d of %d queries failed or answered from an incomplete index; first: %v", failures.Load(), queries.Load(), searchErr.Load())
	}
	t.Logf("%d queries during the re-index (%d probes from the old index, %d from the new), none failed; job %s, %.0f docs/s, live writer paused %s ms",
		queries.Load(), fromOld.Load(), fromNew.Load(), elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds(), j.Detail["pause_ms"])
	if v.x.Version() != "v2" {
		t.Fatalf("version %s; want v2", v.x.Version())
	}
	if cur, _ := os.ReadFile(filepath.Join(v.root, currentFile)); string(cur) != "v2\n" {
		t.Errorf("CURRENT %q; want v2", cur)
	}
	if _, err := os.Stat(filepath.Join(v.root, "v1")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the old index is still there: %v", err)
	}
	// Everything ingested during the build is in the new index, the newest versions.
	v.waitCount(n+uint64(len(live)), 10*time.Second)
	for _, r := range revised[:5] {
		rec, err := v.x.Document(context.Background(), r.Document.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Version != 2 || len(rec.Pages) != 3 {
			t.Errorf("%s: version %d with %d pages; want the revision (2, 3 pages)", r.Document.ID, rec.Version, len(rec.Pages))
		}
	}
	// INDEXED holds the live writer's announcements only, once each.
	want := indexedBefore + uint64(len(live)+len(revised))
	poll.UntilGot(t, 5*time.Second, fmt.Sprintf("INDEXED to hold %d messages (initial + live, none from the replay)", want), func() (bool, string) {
		got := v.streamMsgs(bus.Indexed)
		return got == want, fmt.Sprint(got)
	})
}

// TestReindexResumesAfterKill has the process running a re-index die of SIGKILL in the
// middle of its replay, then resumes the job in this process: the partial index is
// reopened and the job goes on from its recorded position; the final index holds
// exactly the documents of TEXTS, and nothing was announced on INDEXED.
func TestReindexResumesAfterKill(t *testing.T) {
	const n = 3000
	v := newEnv(t)
	v.open(ReindexOptions{})
	texts := smallTexts(t, "gen", n)
	// Second versions of some: the index must end with the newest of each.
	for i := 0; i < 100; i++ {
		t2 := texts[i*7]
		t2.Version = 3
		t2.Pages = []filing.Page{{Number: 1, Text: "Amended: " + t2.Pages[0].Text}}
		texts = append(texts, t2)
	}
	v.publish(texts)
	v.waitCount(n, 60*time.Second)
	waitAcked(t, v.js, uint64(len(texts)))
	v.close() // the child owns the index now
	indexedBefore := v.streamMsgs(bus.Indexed)

	spec, _ := json.Marshal(childSpec{Root: v.root, MaxDocs: 250})
	child := runtest.StartChild(t, "reindex", append(runtest.ChildNATS(v.e), specVar+"="+string(spec))...)
	j, err := v.store.Create(context.Background(), ReindexKind, job.Selection{})
	if err != nil {
		t.Fatal(err)
	}
	child.WaitCrash(t, 60*time.Second)
	mid, err := v.store.Get(context.Background(), j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if mid.State.Finished() || mid.Detail["phase"] != phaseReplay || mid.Position == 0 || mid.Position >= uint64(len(texts)) {
		t.Fatalf("the job is %s in phase %q at position %d after the crash; want it under way in the replay", mid.State, mid.Detail["phase"], mid.Position)
	}
	partial := filepath.Join(v.root, mid.Detail["version"])
	if _, err := os.Stat(partial); err != nil {
		t.Fatalf("no partial index after the kill: %v", err)
	}
	t.Logf("killed at position %d of %d, %d documents looked at", mid.Position, len(texts), mid.Done)

	v.open(ReindexOptions{})
	j = v.waitJob(j.ID, 60*time.Second, finished)
	if j.State != job.Done {
		t.Fatalf("resumed job %s: %s", j.State, j.Message)
	}
	resumedAt, _ := strconv.ParseUint(j.Detail["resumed_at"], 10, 64)
	if j.Detail["resumes"] != "1" || resumedAt < mid.Position {
		t.Errorf("resumes %q at %d; want 1 resume at position ≥ %d", j.Detail["resumes"], resumedAt, mid.Position)
	}
	if v.x.Version() != mid.Detail["version"] {
		t.Fatalf("active version %s; want %s", v.x.Version(), mid.Detail["version"])
	}
	if c, _ := v.x.DocCount(); c != n {
		t.Fatalf("the new index holds %d documents; want %d", c, n)
	}
	// Exactly the expected documents, each at its newest version.
	newest := map[filing.DocID]int64{}
	for _, t := range texts {
		newest[t.Document.ID] = max(newest[t.Document.ID], t.Version)
	}
	ids := make([]string, 0, len(newest))
	for id := range newest {
		ids = append(ids, string(id))
	}
	got, err := v.x.versions(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	for id, ver := range newest {
		if got[string(id)] != schema.VersionKey(ver) {
			t.Fatalf("%s at version %q; want %d", id, got[string(id)], ver)
		}
	}
	if after := v.streamMsgs(bus.Indexed); after != indexedBefore {
		t.Errorf("INDEXED went from %d to %d messages: the replay announced documents", indexedBefore, after)
	}
}

// waitAcked waits until the live writer has acknowledged the first n messages of TEXTS.
func waitAcked(t testing.TB, js jetstream.JetStream, n uint64) {
	t.Helper()
	poll.UntilGot(t, 10*time.Second, fmt.Sprintf("the ack floor at %d", n), func() (bool, string) {
		c, err := js.Consumer(context.Background(), bus.Texts, Durable(search.Shard{}))
		if err != nil {
			t.Fatal(err)
		}
		info, err := c.Info(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return info.AckFloor.Stream >= n, fmt.Sprint(info.AckFloor.Stream)
	})
}

// TestReindexCancel cancels a re-index under way: its partial index is removed and the
// old index goes on answering.
func TestReindexCancel(t *testing.T) {
	const n = 2000
	v := newEnv(t)
	v.open(ReindexOptions{MaxDocs: 200})
	v.publish(smallTexts(t, "gen", n))
	v.waitCount(n, 60*time.Second)
	j, err := v.store.Create(context.Background(), ReindexKind, job.Selection{})
	if err != nil {
		t.Fatal(err)
	}
	// Cancel as soon as the build has begun: wherever the job is then, up to its swap,
	// it must stop and remove its partial index.
	partial := filepath.Join(v.root, "v2")
	poll.Until(t, 30*time.Second, "a partial index after the job was created", func() bool {
		_, err := os.Stat(partial)
		return err == nil
	})
	if _, err := v.store.Cancel(context.Background(), j.ID); err != nil {
		t.Fatal(err)
	}
	// The job sees the cancel at its next report, after the batch under way.
	poll.Until(t, 60*time.Second, "the partial index removed after the cancel", func() bool {
		_, err := os.Stat(partial)
		return errors.Is(err, os.ErrNotExist)
	})
	if j, _ := v.store.Get(context.Background(), j.ID); j.State != job.Cancelled {
		t.Errorf("job %s; want cancelled", j.State)
	}
	if v.x.Version() != "v1" {
		t.Errorf("version %s; want v1", v.x.Version())
	}
	res, err := v.x.Search(context.Background(), search.Query{NoHighlight: true, Limit: 1})
	if err != nil || res.Total != n {
		t.Fatalf("search after the cancel: %v, %v hits; want %d", err, res, n)
	}
}

// TestReindexSelection re-indexes one court: its documents are replayed from TEXTS,
// the others are carried over from the old index as they were (their indexed time
// kept), and a document the old index holds but TEXTS does not stays searchable.
func TestReindexSelection(t *testing.T) {
	const n = 1000
	v := newEnv(t)
	v.open(ReindexOptions{})
	texts := smallTexts(t, "gen", n)
	v.publish(texts)
	v.waitCount(n, 60*time.Second)
	court := texts[0].Document.Docket.Court
	// Only in the old index: one of the selected court, one of another.
	var other string
	for _, t := range texts {
		if t.Document.Docket.Court != court {
			other = t.Document.Docket.Court
			break
		}
	}
	orphanSel, orphanOther := textOf("orphan:sel", 1, "kept though absent from TEXTS"), textOf("orphan:other", 1, "kept though absent from TEXTS")
	orphanSel.Document.Docket.Court, orphanOther.Document.Docket.Court = court, other
	if err := v.x.write([]entry{{text: orphanSel}, {text: orphanOther}}, time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	start := nextSecond()
	j, err := v.store.Create(context.Background(), ReindexKind, job.Selection{Court: court})
	if err != nil {
		t.Fatal(err)
	}
	j = v.waitJob(j.ID, 60*time.Second, finished)
	if j.State != job.Done {
		t.Fatalf("job %s: %s", j.State, j.Message)
	}
	if c, _ := v.x.DocCount(); c != n+2 {
		t.Fatalf("%d documents; want %d", c, n+2)
	}
	selected := 0
	for _, tx := range append(texts[:300], orphanSel, orphanOther) {
		rec, err := v.x.Document(context.Background(), tx.Document.ID, true)
		if err != nil {
			t.Fatalf("%s: %v", tx.Document.ID, err)
		}
		replayed := !rec.IndexedAt.Before(start)
		inTexts := tx.Document.ID != orphanSel.Document.ID && tx.Document.ID != orphanOther.Document.ID
		if want := tx.Document.Docket.Court == court && inTexts; replayed != want {
			t.Errorf("%s (%s): replayed %v; want %v", tx.Document.ID, tx.Document.Docket.Court, replayed, want)
		}
		if replayed {
			selected++
		}
		if len(rec.Pages) != len(tx.Pages) || rec.Pages[0].Text != tx.Pages[0].Text {
			t.Errorf("%s: pages %v; want %v", tx.Document.ID, rec.Pages, tx.Pages)
		}
	}
	if selected == 0 {
		t.Error("no document of the selected court was replayed")
	}
	if j.Detail["copied_missing"] != "1" {
		t.Errorf("copied_missing %q; want 1 (the selected court's document absent from TEXTS)", j.Detail["copied_missing"])
	}
}

// TestTrackerPosition: the position moves to a flush's sequence only when every part of
// it and of the flushes before it is on disk, and past messages that needed no write
// once nothing is in flight.
func TestTrackerPosition(t *testing.T) {
	var tr tracker
	tr.cond = sync.NewCond(&tr.mu)
	steps := []struct {
		name string
		do   func()
		want uint64
	}{
		{"two parts up to 10 sent", func() { tr.sent(10, 2) }, 0},
		{"one part up to 20 sent", func() { tr.sent(20, 1) }, 0},
		{"looked at up to 25", func() { tr.looked(25) }, 0},
		{"the later flush persisted first", func() { tr.persisted(2, nil) }, 0},
		{"one part of the first", func() { tr.persisted(1, nil) }, 0},
		{"the other part of the first", func() { tr.persisted(1, nil) }, 25},
		{"looked at up to 30, nothing in flight", func() { tr.looked(30) }, 30},
	}
	for _, s := range steps {
		s.do()
		if got := tr.durable(); got != s.want {
			t.Fatalf("%s: position %d; want %d", s.name, got, s.want)
		}
	}
	if err := tr.wait(); err != nil {
		t.Fatal(err)
	}
	tr.sent(40, 1)
	tr.persisted(3, errors.New("disk full"))
	if err := tr.wait(); err == nil || tr.durable() != 30 {
		t.Fatalf("after a failed batch: %v, position %d; want an error at 30", err, tr.durable())
	}
}
