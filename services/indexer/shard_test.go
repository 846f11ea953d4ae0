package indexer

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/search"
)

// TestShardedSearchMatchesOneIndex indexes the same documents into one index and into
// three shards served over NATS, and checks a search through the shards answers as the
// single index does: the same hits with the same scores in the same order, in every
// order (shards score with the collection's term statistics, wildcard, fuzzy and date
// range expansions to terms of one shard included), the same totals and facet counts,
// and deep paging that returns every hit exactly once. A shard that stops answering is
// reported, not silently dropped.
func TestShardedSearchMatchesOneIndex(t *testing.T) {
	const n, shards = 600, 3
	words := []string{"motion", "seal", "exhibit", "deposition", "subpoena", "privilege", "sanctions", "discovery"}
	courts := []string{"cand", "nysd", "dcd", "ca9"}
	var all []entry
	parts := make([][]entry, shards)
	for i := range n {
		body := fmt.Sprintf("Order %d on the %s and the %s; the %s is granted.", i, words[i%len(words)], words[(i/3)%len(words)], words[(i/7)%len(words)])
		// Words on one shard only: a wildcard or fuzzy term expands to them there alone.
		switch i {
		case 77:
			body += " Sealing denied."
		case 78:
			body += " Seals lifted."
		}
		tx := textOf(fmt.Sprintf("%s/1:20-cv-%05d/%d/0", courts[i%len(courts)], i%50, i), 1, body)
		tx.Document.Docket.Court = courts[i%len(courts)]
		tx.Document.Entry.Filed = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i)
		e := entry{text: tx}
		all = append(all, e)
		for s := range shards {
			if (search.Shard{Index: s, Count: shards}).Owns(tx.Document.ID) {
				parts[s] = append(parts[s], e)
			}
		}
	}
	one := openTemp(t)
	if err := one.write(all, time.Now()); err != nil {
		t.Fatal(err)
	}
	nc, _ := bustest.JetStream(t, bustest.Server(t))
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	var subs []interface{ Unsubscribe() error }
	for s := range shards {
		if len(parts[s]) == 0 || len(parts[s]) == n {
			t.Fatalf("shard %d holds %d of %d documents: the hash does not spread them", s, len(parts[s]), n)
		}
		x := openTemp(t)
		if err := x.write(parts[s], time.Now()); err != nil {
			t.Fatal(err)
		}
		sub, err := search.ServeShard(nc, "test.sharded", x, search.Shard{Index: s, Count: shards}, 4, quiet)
		if err != nil {
			t.Fatal(err)
		}
		subs = append(subs, sub)
	}
	sharded := search.NewRemote(nc, "test.sharded")
	sharded.ShardWait = time.Second
	ctx := context.Background()

	hits := func(hits []search.Hit) []string {
		var out []string
		for _, h := range hits {
			out = append(out, fmt.Sprintf("%s %v p%d %s", h.ID, h.Score, h.Page, h.Snippet))
		}
		return out
	}
	for _, q := range []search.Query{
		{Q: "seal", Sort: search.SortNewest, Limit: 40, Facets: []string{search.FacetCourt, search.FacetYear}},
		{Q: "deposition OR privilege", Sort: search.SortOldest, Limit: 25, Court: []string{"cand", "dcd"}},
		{Q: `"the sanctions"`, Limit: 1000, Facets: []string{search.FacetCourt}},
		{Q: "motion -exhibit", Limit: 1000},
		{Q: "deposition privilege sanctions seal", Limit: 60},
		{Q: "subpoena^3 discovery granted", Limit: 60, Court: []string{"nysd"}, Facets: []string{search.FacetYear}},
		{Q: "privilege", Limit: 20, After: ""},
		{Q: "seal*", Limit: 100},
		{Q: "sealing~2", Limit: 100},
		{Q: "seal~1", Limit: 100},
		{Q: "/seal.*/", Limit: 100},
		{Q: "seal filed:>=2020-06-01", Limit: 100},
		{Q: "filed:<2021-02-01", Limit: 100},
		// Nothing found: the suggestions of every shard add up to one index's.
		{Q: "subpoenna discovery", Limit: 10},
		{Q: "sealingz deposition", Limit: 10},
		{Q: "privilige OR sanctionz", Limit: 10},
	} {
		want, err := one.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		got, err := sharded.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if got.Total != want.Total || got.Partial {
			t.Errorf("%s: total %d (partial %v); one index %d", q.Q, got.Total, got.Partial, want.Total)
		}
		if g, w := hits(got.Hits), hits(want.Hits); strings.Join(g, "\n") != strings.Join(w, "\n") {
			t.Errorf("%s: shards give %d hits\n%s\none index %d hits\n%s", q.Q, len(g),
				strings.Join(g[:min(5, len(g))], "\n"), len(w), strings.Join(w[:min(5, len(w))], "\n"))
		}
		if got.Next != want.Next {
			t.Errorf("%s: next page after %q; one index after %q", q.Q, got.Next, want.Next)
		}
		for name, wf := range want.Facets {
			if fmt.Sprint(got.Facets[name]) != fmt.Sprint(wf) {
				t.Errorf("%s: facet %s: shards %v; one index %v", q.Q, name, got.Facets[name], wf)
			}
		}
		if got.DidYouMean != want.DidYouMean || fmt.Sprint(got.Suggestions) != fmt.Sprint(want.Suggestions) {
			t.Errorf("%s: shards suggest %q %v; one index %q %v", q.Q, got.DidYouMean, got.Suggestions, want.DidYouMean, want.Suggestions)
		}
	}
	for q, want := range map[string]string{
		"subpoenna discovery":    "subpoena discovery",
		"sealingz deposition":    "sealing deposition", // "sealing" is on one shard only
		"sealing subpoenaz":      "sealing subpoena",   // the shard holding "sealing" keeps it
		"privilige OR sanctionz": "privilege OR sanctions",
	} {
		got, err := sharded.Search(ctx, search.Query{Q: q})
		if err != nil || got.Total != 0 || got.DidYouMean != want {
			t.Errorf("%s: did you mean %q (%v, %v); want %q", q, got.DidYouMean, got, err, want)
		}
	}

	// Deep paging through the shards in every order: each hit once, as many as the total.
	for _, order := range []string{search.SortRelevance, search.SortNewest, search.SortOldest} {
		q := search.Query{Q: "order", Sort: order, Limit: 37}
		seen := map[filing.DocID]int{}
		var total uint64
		for page := 0; page < n; page++ {
			res, err := sharded.Search(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			total = res.Total
			for _, h := range res.Hits {
				seen[h.ID]++
			}
			if res.Next == "" {
				break
			}
			q.After = res.Next
		}
		if uint64(len(seen)) != total || total != n {
			t.Errorf("%s paging: %d distinct of total %d; want %d", order, len(seen), total, n)
		}
		for id, c := range seen {
			if c != 1 {
				t.Errorf("%s paging: %s returned %d times", order, id, c)
			}
		}
	}

	// A shard that stops answering is reported.
	subs[1].Unsubscribe()
	res, err := sharded.Search(ctx, search.Query{Q: "seal"})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Partial || fmt.Sprint(res.MissingShards) != "[1]" {
		t.Errorf("with shard 1 gone: partial %v, missing %v; want partial, [1]", res.Partial, res.MissingShards)
	}
}
