package alerter

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/alert"
	"github.com/docketwatch/docketwatch/pkg/alert/alerttest"
	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
	"github.com/docketwatch/docketwatch/pkg/run/runtest"
	"github.com/docketwatch/docketwatch/services/alerter/internal/corpus"
	"github.com/docketwatch/docketwatch/services/indexer"
	"github.com/nats-io/nats.go/jetstream"
)

// BenchmarkLatency10kRules measures, with 10,000 saved rules, the time from a
// document's TEXTS publish to the webhook's receipt of its alert, through the real
// indexer (default batching), alerter and webhook deliverer on an embedded JetStream.
// Documents go one at a time, so the figure is latency, not queueing.
func BenchmarkLatency10kRules(b *testing.B) {
	e := bustest.Server(b)
	_, js := bustest.JetStream(b, e)
	ctx := context.Background()
	store := alerttest.Rules(b, js)
	got := make(chan time.Time, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got <- time.Now() }))
	defer srv.Close()

	words, err := corpus.Words()
	if err != nil {
		b.Fatal(err)
	}
	for i, q := range alerttest.NoiseQueries(words, 9999) {
		if _, err := store.Create(ctx, alert.Rule{Name: fmt.Sprint(i), Query: q}); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := store.Create(ctx, alert.Rule{Name: "probe", Query: `"latency probe"`,
		Webhook: &alert.Webhook{URL: srv.URL, Secret: "s"}}); err != nil {
		b.Fatal(err)
	}

	conn := func(name string) jetstream.JetStream { _, js := bustest.Client(b, e, name); return js }
	idx, err := indexer.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { idx.Close() })
	runtest.Go(b, indexStage(indexer.Config{}, conn("indexer"), idx).Run)
	al, _ := startStage(b, Config{}, conn("alerter"))
	startDeliverer(b, conn("webhook"), store)
	for al.Rules() < 10000 {
		time.Sleep(10 * time.Millisecond)
	}

	docs, err := corpus.Docs(max(b.N, 1)+1, 5)
	if err != nil {
		b.Fatal(err)
	}
	var lat []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d := docs[i]
		d.Pages[2].Text += "\nThis sentence is the latency probe."
		newVersion(&d)
		d.Document.DiscoveredAt = d.ExtractedAt
		start := time.Now()
		publishText(b, js, d)
		select {
		case at := <-got:
			lat = append(lat, at.Sub(start))
		case <-time.After(30 * time.Second):
			b.Fatal("no webhook within 30 s")
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}
