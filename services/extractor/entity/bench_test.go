package entity

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/testcpu"
)

// benchDocs is the gold documents, each page repeated to make a 20-page document.
func benchDocs(b *testing.B) ([][]filing.Page, int) {
	var docs [][]filing.Page
	n := 0
	for _, d := range loadGold(b) {
		var pages []filing.Page
		for len(pages) < 20 {
			for _, p := range d.Pages {
				pages = append(pages, filing.Page{Number: len(pages) + 1, Text: p.Text})
				n += len(p.Text)
			}
		}
		docs = append(docs, pages)
	}
	return docs, n
}

// referenceRE is the reference work: one docket-number expression over the same text.
var referenceRE = regexp.MustCompile(`\b\d{1,2}:\d{2}-[a-z]{2}-\d{3,6}\b`)

func referencePass(docs [][]filing.Page) {
	for _, pages := range docs {
		for _, p := range pages {
			referenceRE.FindAllStringIndex(p.Text, -1)
		}
	}
}

// BenchmarkRecognize reports the entity stage's throughput (MB/s on one core with
// -cpu 1) and, as x-reference, its time over the time of a single docket-number regexp
// over the same text, run interleaved in the same loop so that a busy machine moves
// both alike.
func BenchmarkRecognize(b *testing.B) {
	r, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	docs, n := benchDocs(b)
	b.SetBytes(int64(n))
	var tRef, tRec time.Duration
	var cpuRec time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		t0 := time.Now()
		referencePass(docs)
		tRef += time.Since(t0)
		b.StartTimer()
		t1, c1 := time.Now(), testcpu.Process(b)
		for _, pages := range docs {
			r.Recognize(context.Background(), pages, nil)
		}
		tRec += time.Since(t1)
		cpuRec += testcpu.Process(b) - c1
	}
	b.ReportMetric(float64(tRec)/float64(tRef), "x-reference")
	// MB per second of the process's CPU time: with -cpu 1 under taskset -c 0, the
	// throughput of one core, which other processes on the machine do not move.
	b.ReportMetric(float64(n)*float64(b.N)/1e6/cpuRec.Seconds(), "MB/cpu-s")
}

// BenchmarkRecognizeLong runs every gold page in one 340-page document: the per-document
// work (names learnt on one page are found on all) must stay linear in its length, so
// its MB/s should match BenchmarkRecognize's.
func BenchmarkRecognizeLong(b *testing.B) {
	r, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	docs, n := benchDocs(b)
	var pages []filing.Page
	for _, d := range docs {
		for _, p := range d {
			pages = append(pages, filing.Page{Number: len(pages) + 1, Text: p.Text})
		}
	}
	b.SetBytes(int64(n))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.Recognize(context.Background(), pages, nil)
	}
}

func BenchmarkReferenceRegexp(b *testing.B) {
	docs, n := benchDocs(b)
	b.SetBytes(int64(n))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		referencePass(docs)
	}
}
