package indexer

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/search"
)

// TestHistogramAnyRange: what a rule would have matched is counted over any range, by
// day, month or year as the range asks, by filed or by indexed date, so that documents
// filed years ago can be previewed.
func TestHistogramAnyRange(t *testing.T) {
	x := openTemp(t)
	indexed := time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC)
	var docs []entry
	for i, filed := range []string{"2015-06-01", "2019-02-10", "2024-03-05", "2024-03-20"} {
		tx := textOf(fmt.Sprintf("cand/1:20-cv-%05d/1/0", i), 1, "The motion to seal the exhibit is granted.")
		tx.Document.Entry.Filed, _ = time.Parse(time.DateOnly, filed)
		docs = append(docs, entry{text: tx})
	}
	if err := x.write(docs, indexed); err != nil {
		t.Fatal(err)
	}
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	tests := []struct {
		name, by, from, to, unit, want string
	}{
		{"years, by filed", search.ByFiled, "2014-01-01", "2025-12-31", "year",
			"2014:0 2015:1 2016:0 2017:0 2018:0 2019:1 2020:0 2021:0 2022:0 2023:0 2024:2 2025:0"},
		{"months", search.ByFiled, "2024-01-15", "2024-05-01", "month", "2024-01:0 2024-02:0 2024-03:2 2024-04:0 2024-05:0"},
		{"days", search.ByFiled, "2024-03-04", "2024-03-06", "day", "2024-03-04:0 2024-03-05:1 2024-03-06:0"},
		{"by indexed", search.ByIndexed, "2026-05-03", "2026-05-05", "day", "2026-05-03:0 2026-05-04:4 2026-05-05:0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, unit, err := search.Histogram(context.Background(), x, search.Query{Q: "seal"}, tt.by, day(tt.from), day(tt.to))
			if err != nil {
				t.Fatal(err)
			}
			s := ""
			for i, b := range got {
				if i > 0 {
					s += " "
				}
				s += fmt.Sprintf("%s:%d", b.Period, b.Hits)
			}
			if unit != tt.unit || s != tt.want {
				t.Errorf("got %s %q; want %s %q", unit, s, tt.unit, tt.want)
			}
		})
	}
}
