package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/docketwatch/docketwatch/pkg/alert"
	"github.com/docketwatch/docketwatch/pkg/alert/alerttest"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/testpdf"
	"github.com/docketwatch/docketwatch/services/docketwatch/ingest"
	"github.com/docketwatch/docketwatch/services/docketwatch/node"
	"github.com/docketwatch/docketwatch/services/extractor/pdftext"
)

// BenchmarkWebhook measures ingest → webhook latency through a whole `run` (node.Start:
// embedded NATS, extraction children, indexer, alerter, webhook deliverer) to a
// receiver on loopback: from the moment a one-page PDF is handed to ingest until the
// POST of its alert arrives. One probe at a time, each a new document: the first page of
// a real filing of the corpus with a line that holds the phrase of the one rule with a
// webhook. The cases:
//
//	rules=1        the probe rule alone, nothing else to do
//	rules=10000    the probe rule among 9,999 others (a third one made-up word, the rest a
//	               phrase of a made-up word and a word of the corpus's filings), idle
//	rules=10000/ingest  the same while the corpus's born-digital PDFs are ingested
//	               one after another without pause, each round as new documents
//
//	scripts/bench webhook
func BenchmarkWebhook(b *testing.B) {
	files := benchPDFs(b)
	for _, bc := range []struct {
		name  string
		rules int
		load  bool
	}{
		{"rules=1", 1, false},
		{"rules=10000", 10000, false},
		{"rules=10000/ingest", 10000, true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			benchWebhook(b, files, bc.rules, bc.load)
		})
	}
}

func benchWebhook(b *testing.B, files []string, nRules int, load bool) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := node.Config{DataDir: b.TempDir(), Log: slog.New(slog.DiscardHandler)}
	cfg.Alerter.WebhookAllowPrivate = true
	n, err := node.Start(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer n.Close()
	got := make(chan time.Time, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- time.Now()
	}))
	defer srv.Close()
	store := alerttest.Rules(b, n.JS)
	pages := benchPages(b, files)
	for _, q := range benchRules(pages, nRules-1) {
		alerttest.Create(b, store, alert.Rule{Name: q, Query: q})
	}
	// Created last: once it alerts, the alerter has applied every rule before it.
	alerttest.Create(b, store, alert.Rule{Name: "probe", Query: `"latency probe"`, Webhook: &alert.Webhook{URL: srv.URL}})
	deps := ingest.Deps{JS: n.JS, Blobs: n.Blobs, Searcher: n.Searcher}
	dir := b.TempDir()
	probe := func(i int) time.Duration {
		path := filepath.Join(dir, fmt.Sprintf("probe-%d.pdf", i))
		text := fmt.Sprintf("%s\nProbe %d of run %d: this sentence is the latency probe.", pages[0].Text, i, time.Now().UnixNano())
		if err := os.WriteFile(path, testpdf.New(text), 0o644); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		go ingest.Run(ctx, deps, []string{path})
		select {
		case at := <-got:
			return at.Sub(start)
		case <-time.After(time.Minute):
			b.Fatalf("no webhook within a minute of probe %d", i)
			return 0
		}
	}
	probe(-1) // the rules are loaded, the extraction child started
	loaded := make(chan int, 1)
	go func() {
		if !load {
			loaded <- 0
			return
		}
		loaded <- ingestWithoutPause(ctx, b, deps, files)
	}()
	var lat []time.Duration
	start := time.Now()
	for i := 0; b.Loop(); i++ {
		lat = append(lat, probe(i))
	}
	took := time.Since(start)
	cancel() // the load ends before the node closes
	if n := <-loaded; load {
		b.ReportMetric(float64(n)/took.Seconds(), "load-docs/s")
	}
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")
}

// benchPages returns the pages of files with 100 words or more.
func benchPages(b *testing.B, files []string) []filing.Page {
	b.Helper()
	var out []filing.Page
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		pages, _ := pdftext.Extract(context.Background(), data, pdftext.Options{Workers: 1})
		for _, p := range pages {
			if len(strings.Fields(p.Text)) >= 100 {
				out = append(out, p)
			}
		}
	}
	if len(out) == 0 {
		b.Skip("the files hold no page of 100 words")
	}
	return out
}

// benchRules makes n rule queries that never match (alerttest.NoiseQueries) over the
// words of the pages.
func benchRules(pages []filing.Page, n int) []string {
	var words []string
	for _, p := range pages {
		for _, w := range strings.FieldsFunc(p.Text, func(r rune) bool { return !unicode.IsLetter(r) }) {
			if len(w) > 3 {
				words = append(words, strings.ToLower(w))
			}
		}
	}
	return alerttest.NoiseQueries(words, n)
}

// ingestWithoutPause ingests files one after another, round after round, until ctx
// ends, each round's copies made new documents by a comment after their end (which PDF
// readers skip). One file at a time keeps the pipeline busy without a backlog: behind a
// backlog, a new filing's latency is the backlog's length (FILINGS is first in, first
// out), which no matching speed changes.
// It returns how many files were ingested.
func ingestWithoutPause(ctx context.Context, b *testing.B, deps ingest.Deps, files []string) (n int) {
	dir := b.TempDir()
	for round := 0; ctx.Err() == nil; round++ {
		for i, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				b.Error(err)
				return n
			}
			data = fmt.Appendf(data, "\n%% benchmark round %d\n", round)
			path := filepath.Join(dir, fmt.Sprintf("%d-%d.pdf", round, i))
			if err := os.WriteFile(path, data, 0o644); err != nil {
				b.Error(err)
				return n
			}
			if _, err := ingest.Run(ctx, deps, []string{path}); err != nil {
				if ctx.Err() == nil {
					b.Error(err)
				}
				return n
			}
			n++
		}
	}
	return n
}
