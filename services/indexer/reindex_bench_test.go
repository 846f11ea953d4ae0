package indexer

import (
	"context"
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
	n := benchDocs(b, reindexDocsEnv, 5000)
	texts := generateTexts(b, n, corpusPath("docket-entries.jsonl"), corpusPath("scotus-slip-opinion.txt"))
	for range b.N {
		// For reference, the live writer as it was before re-indexing came: each batch
		// waited for the disk (scorch's default), not only its acknowledgement.
		ref := newEnv(b)
		ref.publish(texts)
		start := time.Now()
		ref.openWith(map[string]any{"bolt_timeout": "1s"}, ReindexOptions{})
		ref.waitCount(uint64(n), 30*time.Minute)
		waiting := float64(n) / time.Since(start).Seconds()
		ref.close()

		v := newEnv(b)
		v.publish(texts)
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
