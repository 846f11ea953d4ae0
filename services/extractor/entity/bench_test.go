package entity

import (
	"context"
	"regexp"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/filing"
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

// BenchmarkRecognize reports the entity stage's throughput (MB/s on one core with
// -cpu 1); compare it with BenchmarkReferenceRegexp, a single docket-number regexp over
// the same text, run in the same process.
func BenchmarkRecognize(b *testing.B) {
	r, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	docs, n := benchDocs(b)
	b.SetBytes(int64(n))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, pages := range docs {
			r.Recognize(context.Background(), pages, nil)
		}
	}
}

func BenchmarkReferenceRegexp(b *testing.B) {
	re := regexp.MustCompile(`\b\d{1,2}:\d{2}-[a-z]{2}-\d{3,6}\b`)
	docs, n := benchDocs(b)
	b.SetBytes(int64(n))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, pages := range docs {
			for _, p := range pages {
				re.FindAllStringIndex(p.Text, -1)
			}
		}
	}
}
