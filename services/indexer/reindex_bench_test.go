package indexer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/job"
)

// reindexDocsEnv sizes BenchmarkReindex (default 5,000 documents).
const reindexDocsEnv = "DOCKETWATCH_BENCH_REINDEX_DOCS"

// BenchmarkReindex ingests the same generated documents (real docket entries and real
// filing text, see generateTexts) in one run: through the live writer (TEXTS → Service →
// index → INDEXED, from the Service's start until every document is searchable), once
// with the index's batches waiting for the disk as they did before, once as they do now,
// then by a re-index job replaying TEXTS into a new index version (from
// the job's creation until the new index is swapped in and the old one removed). It
// reports both rates and their ratio; the target is a re-index at least 3× the ingest.
func BenchmarkReindex(b *testing.B) {
	texts := benchTexts(b, reindexDocsEnv, 5000)
	n := len(texts)
	for range b.N {
		// For reference, the live writer as it was before re-indexing came: each batch
		// waited for the disk (scorch's default), not only its acknowledgement.
		ref := envWith(b, texts)
		start := time.Now()
		ref.openWith(map[string]any{"bolt_timeout": "1s"}, ReindexOptions{})
		ref.waitCount(uint64(n), 30*time.Minute)
		waiting := float64(n) / time.Since(start).Seconds()
		ref.close()

		v := envWith(b, texts)
		start = time.Now()
		v.open(ReindexOptions{})
		v.waitCount(uint64(n), 30*time.Minute)
		ingest := float64(n) / time.Since(start).Seconds()
		waitAcked(b, v.js, uint64(n))

		start = time.Now()
		j, err := v.store.Create(context.Background(), ReindexKind, job.Selection{})
		if err != nil {
			b.Fatal(err)
		}
		j = v.waitJob(j.ID, 30*time.Minute, finished)
		if j.State != job.Done {
			b.Fatalf("job %s: %s", j.State, j.Message)
		}
		reindex := float64(n) / time.Since(start).Seconds()
		if c, _ := v.x.DocCount(); c != uint64(n) {
			b.Fatalf("re-indexed %d documents; want %d", c, n)
		}
		if m := v.streamMsgs(bus.Indexed); m != uint64(n) {
			b.Fatalf("INDEXED holds %d messages; want %d (none from the re-index)", m, n)
		}
		b.Logf("%d documents: ingest %.0f docs/s, re-index %.0f docs/s: %.2f× (target ≥ 3×); live writer paused %s ms",
			n, ingest, reindex, reindex/ingest, j.Detail["pause_ms"])
		b.Logf("reference: ingest with batches waiting for the disk %.0f docs/s: re-index %.2f× that", waiting, reindex/waiting)
		b.ReportMetric(waiting, "ingest-fsync-docs/s")
		b.ReportMetric(ingest, "ingest-docs/s")
		b.ReportMetric(reindex, "reindex-docs/s")
		b.ReportMetric(reindex/ingest, "reindex/ingest")
		v.close()
	}
}

// reindexMemDocsEnv sizes BenchmarkReindexMemory (default 20,000 documents);
// reindexMemProfilesEnv names a directory for its heap profiles (none when unset).
const (
	reindexMemDocsEnv     = "DOCKETWATCH_BENCH_REINDEX_MEM_DOCS"
	reindexMemProfilesEnv = "DOCKETWATCH_BENCH_HEAP_PROFILES"
)

// BenchmarkReindexMemory indexes generated documents (real docket entries and real
// filing text, see generateTexts) through the live writer, then re-indexes them three
// times, and reports this process's resident memory (the embedded NATS server's
// included, as in `docketwatch run`) and live heap after the first build, as the
// reference, and after each re-index; the target is at most 1.2× the reference after
// the third. Each figure is read after a collection, once the process has been idle for
// a moment, as a monitoring tool would see it between jobs. With
// DOCKETWATCH_BENCH_HEAP_PROFILES set, it writes a heap profile at each point there.
func BenchmarkReindexMemory(b *testing.B) {
	texts := benchTexts(b, reindexMemDocsEnv, 20000)
	n := len(texts)
	for range b.N {
		v := envWith(b, texts)
		resetPeakResident(b)
		v.open(ReindexOptions{})
		v.waitCount(uint64(n), 30*time.Minute)
		waitAcked(b, v.js, uint64(n))
		peak := procStatus(b, "VmHWM")
		ref := memoryNow(b, "build")
		b.Logf("%d documents: build peak RSS %s; after it RSS %s, heap %s", n, mib(peak), mib(ref.rss), mib(ref.heap))
		var last memory
		for i := range 3 {
			resetPeakResident(b)
			j, err := v.store.Create(context.Background(), ReindexKind, job.Selection{})
			if err != nil {
				b.Fatal(err)
			}
			if j = v.waitJob(j.ID, 30*time.Minute, finished); j.State != job.Done {
				b.Fatalf("job %s: %s", j.State, j.Message)
			}
			peak := procStatus(b, "VmHWM")
			last = memoryNow(b, fmt.Sprintf("reindex%d", i+1))
			b.Logf("re-index %d: peak RSS %s; after it RSS %s (%.2f× the build's), heap %s", i+1, mib(peak), mib(last.rss), float64(last.rss)/float64(ref.rss), mib(last.heap))
		}
		b.ReportMetric(float64(last.rss)/float64(ref.rss), "rss-reindex3/build")
		v.close()
	}
}

// memory is the process's resident set and live heap, in bytes.
type memory struct{ rss, heap uint64 }

// memoryNow reads the process's memory after a collection and a moment's idleness (the
// runtime returns freed pages to the system in the background), writing a heap profile
// named name when DOCKETWATCH_BENCH_HEAP_PROFILES is set.
func memoryNow(tb testing.TB, name string) memory {
	tb.Helper()
	runtime.GC()
	time.Sleep(2 * time.Second) // idleness is what is measured, not a wait for an event
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if dir := os.Getenv(reindexMemProfilesEnv); dir != "" {
		f, err := os.Create(filepath.Join(dir, name+".heap"))
		if err != nil {
			tb.Fatal(err)
		}
		defer f.Close()
		if err := pprof.WriteHeapProfile(f); err != nil {
			tb.Fatal(err)
		}
	}
	return memory{rss: procStatus(tb, "VmRSS"), heap: ms.HeapInuse}
}

// resetPeakResident makes the peak resident set (VmHWM) start again from the current one.
func resetPeakResident(tb testing.TB) {
	tb.Helper()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		tb.Skipf("resetting the peak resident memory: %v", err)
	}
}

// procStatus is a size in /proc/self/status (VmRSS: the resident set; VmHWM: its peak),
// in bytes.
func procStatus(tb testing.TB, field string) uint64 {
	tb.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		tb.Skipf("resident memory is read from /proc: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				tb.Fatalf("reading %s %q: %v", field, v, err)
			}
			return kb << 10
		}
	}
	tb.Fatalf("no %s in /proc/self/status", field)
	return 0
}

func mib(n uint64) string { return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20)) }
