package indexer

import (
	"fmt"
	"testing"
	"time"

	zapx "github.com/blevesearch/zapx/v17"
	"github.com/docketwatch/docketwatch/pkg/filing"
)

// BenchmarkLiveCommits writes documents of eight pages of real filing text (two
// paragraphs a page, see generateTexts) one batch each, as the live writer does whenever
// its queue is empty, with the segment buffer sized as index.go sizes it and, as the
// reference in the same run, as zapx does by default, in three interleaved rounds. B/op
// is the memory allocated per document committed.
//
//	go test -run '^$' -bench BenchmarkLiveCommits -benchtime 400x ./services/indexer/
func BenchmarkLiveCommits(b *testing.B) {
	texts := benchTexts(b, "DOCKETWATCH_BENCH_LIVE_PAGES", 800)
	var docs []filing.Text
	for i := 0; i+8 <= len(texts); i += 8 {
		d := texts[i]
		d.Pages = nil
		for _, t := range texts[i : i+8] {
			d.Pages = append(d.Pages, filing.Page{Number: len(d.Pages) + 1, Text: t.Pages[1].Text}) // the filing text
		}
		docs = append(docs, d)
	}
	ours := zapx.NewSegmentBufferNumResultsBump
	cases := []struct {
		name string
		bump int
	}{{"zapx-default", zapxBufferBump}, {"sized-to-batch", ours}}
	for round := range 3 {
		for _, c := range cases {
			b.Run(fmt.Sprintf("%s/round-%d", c.name, round+1), func(b *testing.B) {
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
}
