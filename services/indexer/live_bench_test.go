package indexer

import (
	"testing"
	"time"

	zapx "github.com/blevesearch/zapx/v17"
	"github.com/docketwatch/docketwatch/pkg/filing"
)

// BenchmarkLiveCommits writes documents of eight pages of real filing text (see
// generateTexts) one batch each, as the live writer does whenever its queue is empty,
// with the segment buffer sized as index.go sizes it and, as the reference in the same
// run, as zapx does by default (for 100 documents more than the batch holds). B/op is
// the memory allocated per document committed.
//
//	go test -run '^$' -bench BenchmarkLiveCommits -benchtime 400x ./services/indexer/
func BenchmarkLiveCommits(b *testing.B) {
	pages := benchTexts(b, "DOCKETWATCH_BENCH_LIVE_PAGES", 800)
	var docs []filing.Text
	for i := 0; i+8 <= len(pages); i += 8 {
		d := pages[i]
		for _, p := range pages[i+1 : i+8] {
			d.Pages = append(d.Pages, filing.Page{Number: len(d.Pages) + 1, Text: p.Pages[0].Text})
		}
		docs = append(docs, d)
	}
	ours := zapx.NewSegmentBufferNumResultsBump
	for _, c := range []struct {
		name string
		bump int
	}{{"zapx-default", 100}, {"sized-to-batch", ours}} {
		b.Run(c.name, func(b *testing.B) {
			zapx.NewSegmentBufferNumResultsBump = c.bump
			defer func() { zapx.NewSegmentBufferNumResultsBump = ours }()
			x := openTemp(b)
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				d := docs[n%len(docs)]
				d.Version = int64(n + 1)
				if err := x.write([]entry{{text: d}}, time.Now()); err != nil {
					b.Fatal(err)
				}
				n++
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "docs/s")
		})
	}
}
