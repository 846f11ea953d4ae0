package courtlistener

import (
	"context"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/testclock"
	"github.com/docketwatch/docketwatch/services/fetcher/courtlistener/clfake"
)

// BenchmarkFetch measures a full crawl against the fake with its limits off: docs/s for
// listing alone (the reference), for listing with docket and entry resolution, and for
// resolution plus verified PDF downloads. ns/op is one crawl of every document.
func BenchmarkFetch(b *testing.B) {
	srv := clfake.Start(b, clfake.Config{Courts: []string{"nysd", "cand", "ca9"}, DocumentsPerCourt: 700, Seed: 11})
	total := len(srv.Documents(""))
	for _, mode := range []string{"list-only", "resolve", "resolve+pdf"} {
		b.Run(mode, func(b *testing.B) {
			for b.Loop() {
				c := newTestClient(b, srv, testclock.New(time.Now()), nil)
				cfg := SourceConfig{MaxPages: 1000}
				if mode == "resolve+pdf" {
					cfg.Fetch = hashFetch(c)
				}
				src := NewSource(c, cfg)
				n := 0
				for _, court := range []string{"nysd", "cand", "ca9"} {
					cur := NewCursor(court, DateCreated, time.Time{}, time.Time{})
					if mode == "list-only" {
						n += listOnly(b, c, src, cur)
						continue
					}
					crawl(b, src, cur, func(context.Context, filing.Document) error { n++; return nil })
				}
				if n != total {
					b.Fatalf("crawled %d documents; want %d", n, total)
				}
			}
			b.ReportMetric(float64(total*b.N)/b.Elapsed().Seconds(), "docs/s")
		})
	}
}

// listOnly follows the pages of a court without resolving anything.
func listOnly(b *testing.B, c *Client, src *Source, cur Cursor) int {
	n := 0
	next := src.firstPage(cur)
	for next != "" {
		var p page[RECAPDocument]
		if err := c.getJSON(context.Background(), next, &p); err != nil {
			b.Fatal(err)
		}
		n += len(p.Results)
		next = ""
		if p.Next != nil {
			next = *p.Next
		}
	}
	return n
}

// BenchmarkResume measures the time from a restart with a saved cursor in the middle of a
// crawl to the first document emitted.
func BenchmarkResume(b *testing.B) {
	srv := clfake.Start(b, clfake.Config{Courts: []string{"nysd"}, DocumentsPerCourt: 2000, Seed: 5})
	c := newTestClient(b, srv, testclock.New(time.Now()), nil)
	src := NewSource(c, SourceConfig{MaxPages: 50})
	saved, err := src.Poll(context.Background(), NewCursor("nysd", DateCreated, time.Time{}, time.Time{}), func(context.Context, filing.Document) error { return nil })
	if err != nil {
		b.Fatal(err)
	}
	stop := func(context.Context, filing.Document) error { return errStop }
	for b.Loop() {
		// A new process: new client (cold docket cache), cursor as stored.
		c2 := newTestClient(b, srv, testclock.New(time.Now()), nil)
		saved.Next = "" // assume the worst: the saved next link expired
		if _, err := NewSource(c2, SourceConfig{}).Poll(context.Background(), saved, stop); err == nil {
			b.Fatal("resume emitted nothing")
		}
	}
}

var errStop = stopErr{}

type stopErr struct{}

func (stopErr) Error() string { return "stop" }
