package entity

import (
	"context"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/testcpu"
	"github.com/docketwatch/docketwatch/services/extractor/entity/ner"
)

// TestBuildCost checks that building the recogniser is cheap: New does nothing costly,
// and what the first Recognize loads (the model, the reporter table, the pattern
// expressions, the gazetteers) takes under 20 ms of CPU. It must run first in its
// process, as it does by file order; alone: go test -run TestBuildCost -count=1.
func TestBuildCost(t *testing.T) {
	// The machine is shared: wall time includes waiting for a core (a New of a few µs
	// preempted on a loaded machine took milliseconds), so the bounds are on the
	// process's CPU time (which a parallel test would inflate: run alone).
	t0, c0 := time.Now(), testcpu.Process(t)
	r, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	tNew, cNew := time.Since(t0), testcpu.Process(t)-c0
	t1, c1 := time.Now(), testcpu.Process(t)
	r.Recognize(context.Background(), []filing.Page{{Number: 1, Text: "Jane Roe sued Acme Widgets, Inc. in Ohio, 550 U.S. 544, on May 3, 2024."}}, nil)
	tFirst, cFirst := time.Since(t1), testcpu.Process(t)-c1
	t.Logf("New %v, %v of CPU; first Recognize (loads everything) %v, %v of CPU; version %s", tNew, cNew, tFirst, cFirst, r.Version())
	if cNew > 5*time.Millisecond {
		t.Errorf("New took %v of CPU; want it to load nothing", cNew)
	}
	if cFirst > 20*time.Millisecond {
		t.Errorf("first Recognize took %v of CPU; want the build under 20 ms", cFirst)
	}
}

// TestTrainSmoke trains a small model on a few documents and checks that it is the same
// byte for byte when trained again, that it finds names, and that the recogniser takes it.
func TestTrainSmoke(t *testing.T) {
	corpora, err := ner.ReadCorpora("ner/data", "testdata/gold")
	if err != nil {
		t.Fatal(err)
	}
	small := func(corpus string, doc int) bool { return corpus != ner.Wikigold || doc >= 20 }
	m1 := ner.TrainOn(corpora, small, ner.TrainOptions{Seed: 7, Epochs: 2, Bits: 14})
	m2 := ner.TrainOn(corpora, small, ner.TrainOptions{Seed: 7, Epochs: 2, Bits: 14})
	if m1.Version() != m2.Version() {
		t.Fatalf("two trainings gave %s and %s; want the same model", m1.Version(), m2.Version())
	}
	r, err := New(Options{Model: m1})
	if err != nil {
		t.Fatal(err)
	}
	if r.Version() != m1.Version() {
		t.Errorf("version %s; want the model's %s", r.Version(), m1.Version())
	}
	ents := r.Recognize(context.Background(), []filing.Page{{Number: 1, Text: "John Smith visited Germany."}}, nil)
	if len(ents) == 0 {
		t.Errorf("a model trained on 20 articles found nothing in %q", "John Smith visited Germany.")
	}
}

// TestEmbeddedModelIsCurrent retrains the model as scripts/train-ner does (a few
// seconds) and checks that the embedded file is what it gives: a change to the features
// or the data without a retrained model fails here, not silently in production.
func TestEmbeddedModelIsCurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("trains the full model")
	}
	corpora, err := ner.ReadCorpora("ner/data", "testdata/gold")
	if err != nil {
		t.Fatal(err)
	}
	m := ner.TrainOn(corpora, nil, ner.TrainOptions{Seed: 1})
	emb, err := defaultModel()
	if err != nil {
		t.Fatal(err)
	}
	if m.Version() != emb.Version() {
		t.Errorf("scripts/train-ner gives %s; the embedded model is %s: run scripts/train-ner", m.Version(), emb.Version())
	}
}
