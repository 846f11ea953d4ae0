package indexer

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/benchenv"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/testcpu"
	"github.com/docketwatch/docketwatch/services/indexer/schema"
)

// buildDocsEnv sizes BenchmarkIndexBuild (default 20,000 documents); buildRoundsEnv sets
// its interleaved rounds (default 2).
const (
	buildDocsEnv   = "DOCKETWATCH_BENCH_BUILD_DOCS"
	buildRoundsEnv = "DOCKETWATCH_BENCH_BUILD_ROUNDS"
)

// BenchmarkIndexBuild builds an index of the same generated documents (real docket
// entries and real filing text, see generateTexts) with the bulk builder a re-index uses
// (build.go; every batch on disk at the end) and, as the outside reference, with SQLite
// FTS5 (the sqlite3 command, porter stemming over unicode61, one transaction, the same
// text, case name and description columns, committed to disk), in interleaved rounds so
// that the machine's load falls on both alike. It reports the range of the ratio; the
// target is within 3× of FTS5.
//
// FTS5 indexes each column once; the index also holds every text field a second time
// unstemmed (the "_exact" twins that exact phrases run against), the keyword fields
// that facets and filters use and the stored document.
//
//	DOCKETWATCH_BENCH_BUILD_DOCS=20000 scripts/bench build
func BenchmarkIndexBuild(b *testing.B) {
	sqlite, err := exec.LookPath("sqlite3")
	if err != nil {
		b.Skip("the sqlite3 command (apt-get install sqlite3) is the reference: not found")
	}
	texts := benchTexts(b, buildDocsEnv, 20000)
	rounds := benchenv.Int(b, buildRoundsEnv, 2)
	sql := filepath.Join(b.TempDir(), "load.sql")
	writeFTS5Load(b, sql, texts)
	n := len(texts)
	b.Logf("%d documents, %.1f MB of text", n, float64(textBytes(texts))/1e6)
	for range b.N {
		var wall, cpu ratioRange
		for r := range rounds {
			ref := ftsBuild(b, sqlite, sql)
			ours := bulkBuild(b, texts)
			wall.add(ours.wall.Seconds() / ref.wall.Seconds())
			cpu.add(ours.cpu.Seconds() / ref.cpu.Seconds())
			b.Logf("round %d: FTS5 %.2fs (%.2fs CPU, %.0f docs/s), index %.2fs (%.2fs CPU, %.0f docs/s): %.2f× FTS5's time, %.2f× its CPU",
				r+1, ref.wall.Seconds(), ref.cpu.Seconds(), float64(n)/ref.wall.Seconds(),
				ours.wall.Seconds(), ours.cpu.Seconds(), float64(n)/ours.wall.Seconds(), wall.last, cpu.last)
		}
		b.Logf("index build time / FTS5's: %s (target ≤ 3×); CPU time / FTS5's: %s", wall, cpu)
		b.ReportMetric(wall.hi, "max-build/fts5")
	}
}

// ratioRange is the range of a ratio over rounds.
type ratioRange struct{ lo, hi, last float64 }

func (r *ratioRange) add(v float64) {
	if r.last == 0 || v < r.lo {
		r.lo = v
	}
	r.hi, r.last = max(r.hi, v), v
}

func (r ratioRange) String() string { return fmt.Sprintf("%.2f–%.2f×", r.lo, r.hi) }

// elapsed is how long a build took, and the CPU time (user and system) it used.
type elapsed struct{ wall, cpu time.Duration }

// writeFTS5Load writes the SQL that loads texts into an FTS5 table in one transaction.
func writeFTS5Load(tb testing.TB, path string, texts []filing.Text) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriter(f)
	quote := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	w.WriteString("PRAGMA journal_mode=WAL;\nCREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, text, case_name, description, tokenize='porter unicode61');\nBEGIN;\n")
	for _, t := range texts {
		d := schema.IndexDocument(t, time.Time{})
		w.WriteString("INSERT INTO docs VALUES(" + quote(string(t.Document.ID)) + "," + quote(d[schema.FieldText].(string)) + "," +
			quote(d[schema.FieldCaseName].(string)) + "," + quote(d[schema.FieldDescription].(string)) + ");\n")
	}
	w.WriteString("COMMIT;\n")
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}

// ftsBuild runs the load into a new database and returns how long it took.
func ftsBuild(tb testing.TB, sqlite, sql string) elapsed {
	tb.Helper()
	in, err := os.Open(sql)
	if err != nil {
		tb.Fatal(err)
	}
	defer in.Close()
	cmd := exec.Command(sqlite, filepath.Join(tb.TempDir(), "fts.db"))
	cmd.Stdin = in
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("sqlite3: %v: %s", err, out)
	}
	return elapsed{time.Since(start), cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()}
}

// bulkBuild builds a new index of texts the way a re-index does and returns how long it
// took until every batch was on disk. The CPU time is the whole process's: run nothing
// else in it meanwhile.
func bulkBuild(tb testing.TB, texts []filing.Text) elapsed {
	tb.Helper()
	runtime.GC()
	cpu0, start := testcpu.Process(tb), time.Now()
	idx, err := openVersion(filepath.Join(tb.TempDir(), "v1"), buildConfig())
	if err != nil {
		tb.Fatal(err)
	}
	bld := newBuilder(idx, ReindexOptions{}.withDefaults())
	defer bld.close()
	ctx := context.Background()
	for i, t := range texts {
		size := 0
		for _, p := range t.Pages {
			size += len(p.Text)
		}
		bld.add(doc{text: t, seq: uint64(i + 1)}, size)
		if err := bld.flushIfFull(ctx); err != nil {
			tb.Fatal(err)
		}
	}
	if err := bld.drain(); err != nil {
		tb.Fatal(err)
	}
	d := elapsed{time.Since(start), testcpu.Process(tb) - cpu0}
	if c, _ := idx.DocCount(); c != uint64(len(texts)) {
		tb.Fatalf("built %d documents; want %d", c, len(texts))
	}
	return d
}
