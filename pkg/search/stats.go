package search

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// TermStats are the figures a relevance score is computed from that belong to the
// collection rather than to the document: how many documents there are, and how many
// hold each term of a query. A shard knows only its own; summed over every shard they
// give each document the score it has in a single index of the whole collection, so
// that merging shards' hits by score orders them as that index would (the "DFS" phase
// of distributed search engines).
type TermStats struct {
	// Shards are the shards whose figures are summed here.
	Shards []int `json:"shards"`
	// Docs counts the documents.
	Docs uint64 `json:"docs"`
	// DocFreq counts, by field and term, the documents holding the term. Terms are
	// bytes: those of numbers and dates are binary.
	DocFreq map[string]map[string]uint64 `json:"-"`
}

// wireTermStats is TermStats as JSON, which holds only valid UTF-8 strings: each field's
// terms as base64 bytes, with their counts at the same positions.
type wireTermStats struct {
	Shards []int                `json:"shards"`
	Docs   uint64               `json:"docs"`
	Fields map[string]wireTerms `json:"fields,omitempty"`
}

type wireTerms struct {
	Terms  [][]byte `json:"terms"`
	Counts []uint64 `json:"counts"`
}

func (s TermStats) MarshalJSON() ([]byte, error) {
	w := wireTermStats{Shards: s.Shards, Docs: s.Docs, Fields: map[string]wireTerms{}}
	for field, terms := range s.DocFreq {
		var wt wireTerms
		for t, n := range terms {
			wt.Terms = append(wt.Terms, []byte(t))
			wt.Counts = append(wt.Counts, n)
		}
		w.Fields[field] = wt
	}
	return json.Marshal(w)
}

func (s *TermStats) UnmarshalJSON(data []byte) error {
	var w wireTermStats
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*s = TermStats{Shards: w.Shards, Docs: w.Docs, DocFreq: map[string]map[string]uint64{}}
	for field, wt := range w.Fields {
		if len(wt.Terms) != len(wt.Counts) {
			return fmt.Errorf("term statistics of field %s: %d terms, %d counts", field, len(wt.Terms), len(wt.Counts))
		}
		terms := make(map[string]uint64, len(wt.Terms))
		for i, t := range wt.Terms {
			terms[string(t)] = wt.Counts[i]
		}
		s.DocFreq[field] = terms
	}
	return nil
}

// Add sums o into s.
func (s *TermStats) Add(o *TermStats) {
	s.Shards = append(s.Shards, o.Shards...)
	s.Docs += o.Docs
	for field, terms := range o.DocFreq {
		if s.DocFreq == nil {
			s.DocFreq = map[string]map[string]uint64{}
		}
		if s.DocFreq[field] == nil {
			s.DocFreq[field] = map[string]uint64{}
		}
		for term, n := range terms {
			s.DocFreq[field][term] += n
		}
	}
}

// CollectionScorer is an index, or a shard of one, that can score with the collection's
// figures instead of its own. The index implements it; ServeShard answers with it.
type CollectionScorer interface {
	// TermStats returns this index's figures for the terms q searches.
	TermStats(ctx context.Context, q Query) (*TermStats, error)
	// SearchWithStats runs q scoring with st. Every shard scores with the same figures,
	// even those that lack its own (it missed the statistics round): scores stay
	// comparable. Figures of no shard (st.Shards empty) leave it its own.
	SearchWithStats(ctx context.Context, q Query, st *TermStats) (*Result, error)
}

// NeedsCollectionStats reports whether q's hits have scores that depend on the collection:
// those of a query with words, in every order, since each hit shows its score. A query
// without words scores every hit alike.
func NeedsCollectionStats(q Query) bool { return strings.TrimSpace(q.Q) != "" }
