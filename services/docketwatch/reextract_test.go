package main

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
	"github.com/docketwatch/docketwatch/pkg/testpdf"
)

// TestReextractWaitsForTheExtractor: `docketwatch reextract` with nothing serving the
// data runs the pipeline itself; when it returns, the extractor has settled every
// re-published filing and the indexer every text (read from the store it leaves), not
// merely the job re-published them.
func TestReextractWaitsForTheExtractor(t *testing.T) {
	if testing.Short() {
		t.Skip("starts pipelines")
	}
	data := t.TempDir()
	dir := t.TempDir()
	for _, f := range []string{"ca7_3.pdf", "ca2_1-1.pdf", "ca1_00117684624.pdf"} {
		copyFile(t, filepath.Join("testdata", f), filepath.Join(dir, f))
	}
	// Enough documents that extracting them again outlasts the job's re-publishing.
	for i := range 40 {
		writeFile(t, filepath.Join(dir, fmt.Sprintf("order-%02d.pdf", i)), testpdf.New(fmt.Sprintf("ORDER %d", i), fmt.Sprintf("Order number %d of the court on the motion to dismiss.", i)))
	}
	if out, err := docketwatch(t, "ingest", "--data", data, dir).CombinedOutput(); err != nil {
		t.Fatalf("ingest: %v: %s", err, out)
	}
	if out, err := docketwatch(t, "reextract", "--data", data).CombinedOutput(); err != nil {
		t.Fatalf("reextract: %v: %s", err, out)
	}
	// Only the bus, no stage: what the consumers settled is what reextract waited for.
	_, js := bustest.JetStream(t, bustest.ServerAt(t, filepath.Join(data, "nats")))
	ctx := context.Background()
	for _, stream := range []string{bus.Filings, bus.Texts} {
		str, err := js.Stream(ctx, stream)
		if err != nil {
			t.Fatal(err)
		}
		lister := str.ListConsumers(ctx)
		durables := 0
		for ci := range lister.Info() {
			if ci.Config.Durable == "" {
				continue
			}
			durables++
			if ci.NumPending+uint64(ci.NumAckPending) > 0 {
				t.Errorf("%s consumer %s: %d pending, %d unacknowledged after reextract returned", stream, ci.Name, ci.NumPending, ci.NumAckPending)
			}
		}
		if durables == 0 {
			t.Errorf("%s has no stage consumer: the test looks at nothing", stream)
		}
	}
}
