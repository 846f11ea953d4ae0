package indexer

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/blevesearch/bleve/v2/index/scorch/mergeplan"
)

// planSegment is a segment as the merge planner sees it: a size in documents.
type planSegment struct {
	id   uint64
	docs int64
}

func (s planSegment) Id() uint64          { return s.id }
func (s planSegment) FullSize() int64     { return s.docs }
func (s planSegment) LiveSize() int64     { return s.docs }
func (s planSegment) HasVector() bool     { return false }
func (s planSegment) FileSize() int64     { return s.docs * 4096 }
func (s planSegment) LiveFileSize() int64 { return s.docs * 4096 }

// planOptions is what scorch makes of an index config's merge plan: bleve's defaults
// overlaid with its JSON (scorch's parseMergePlannerOptions). Unknown keys fail, since
// scorch would silently ignore a misspelt one.
func planOptions(t *testing.T, config map[string]any) *mergeplan.MergePlanOptions {
	t.Helper()
	raw, err := json.Marshal(config["scorchMergePlanOptions"])
	if err != nil {
		t.Fatal(err)
	}
	o := mergeplan.DefaultMergePlanOptions
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&o); err != nil {
		t.Fatalf("merge plan %s: %v", raw, err)
	}
	return &o
}

// mergedDocs is how many documents a plan rewrites.
func mergedDocs(p *mergeplan.MergePlan) (n int64) {
	if p == nil {
		return 0
	}
	for _, task := range p.Tasks {
		for _, s := range task.Segments {
			n += s.LiveSize()
		}
	}
	return n
}

// TestMergePlanIsLogarithmicWhenSmall: a small index that receives one-document
// segments merges them among themselves, a tier's worth at a time, and leaves its
// large segment alone; bleve's default plan rewrites the whole index for each new
// segment (mergePlan's comment).
func TestMergePlanIsLogarithmicWhenSmall(t *testing.T) {
	big := planSegment{id: 1, docs: 1500}
	withNew := func(n int) []mergeplan.Segment {
		segs := []mergeplan.Segment{big}
		for i := range n {
			segs = append(segs, planSegment{id: uint64(2 + i), docs: 1})
		}
		return segs
	}
	// The premise: bleve's default merges the large segment with a single new one.
	def, err := mergeplan.Plan(withNew(1), &mergeplan.DefaultMergePlanOptions)
	if err != nil {
		t.Fatal(err)
	}
	if mergedDocs(def) != 1501 {
		t.Fatalf("bleve's default plan merges %d documents; the premise is the whole index, 1501", mergedDocs(def))
	}
	for name, config := range map[string]map[string]any{"live": liveConfig(), "build": buildConfig()} {
		o := planOptions(t, config)
		for _, n := range []int{1, o.MaxSegmentsPerTier - 1} {
			if p, err := mergeplan.Plan(withNew(n), o); err != nil || mergedDocs(p) != 0 {
				t.Errorf("%s: %d new one-document segments beside 1,500 documents: merges %d documents (%v); want none until a tier is full", name, n, mergedDocs(p), err)
			}
		}
		// Four tiers' worth of new segments are over any budget: the new ones merge.
		p, err := mergeplan.Plan(withNew(4*o.MaxSegmentsPerTier), o)
		if err != nil {
			t.Fatal(err)
		}
		if got := mergedDocs(p); got == 0 || got >= big.docs {
			t.Errorf("%s: with %d new one-document segments: merges %d documents; want some, the new ones only", name, 4*o.MaxSegmentsPerTier, got)
		}
	}
}
