package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/search"
	"github.com/docketwatch/docketwatch/services/docketwatch/datadir"
	"github.com/docketwatch/docketwatch/services/indexer"
	"github.com/nats-io/nats.go"
)

func cmdSearch(ctx context.Context, c *common, fs *flag.FlagSet, args []string) error {
	limit := fs.Int("limit", 20, "hits to show")
	court := fs.String("court", "", "only these courts (comma-separated ids)")
	docket := fs.String("docket", "", "only this docket number (3:20-cv-08570)")
	exhibits := fs.Bool("exhibits", false, "only exhibits")
	since := fs.String("since", "", "filed on or after this day (YYYY-MM-DD)")
	until := fs.String("until", "", "filed on or before this day (YYYY-MM-DD)")
	sortBy := fs.String("sort", search.SortRelevance, "relevance, newest or oldest")
	var entities []search.EntityFilter
	fs.Func("entity", "only documents naming this entity, as TYPE:NAME (person:Reed Hastings); repeatable", func(v string) error {
		typ, name, ok := strings.Cut(v, ":")
		if !ok || !search.KnownEntityType(filing.EntityType(typ)) {
			return fmt.Errorf("want TYPE:NAME with TYPE one of %v", search.EntityTypes)
		}
		entities = append(entities, search.EntityFilter{Type: filing.EntityType(typ), Name: name})
		return nil
	})
	facets := fs.String("facets", "", "counts to show over all hits: court, doc_type, year, entity.person, ...")
	export := fs.Bool("export", false, "print every hit as one JSON line (NDJSON), paging through all of them")
	after := fs.String("after", "", "cursor of the next page (printed after a full page)")
	words, err := parseQuery(fs, args)
	if err != nil {
		return err
	}
	q := search.Query{Q: strings.Join(words, " "), Limit: *limit, Exhibits: *exhibits, After: *after,
		Docket: *docket, Sort: *sortBy, Entities: entities}
	if *court != "" {
		q.Court = strings.Split(*court, ",")
	}
	if *facets != "" {
		q.Facets = strings.Split(*facets, ",")
	}
	if q.FiledFrom, err = parseDay(*since); err != nil {
		return err
	}
	if q.FiledTo, err = parseDay(*until); err != nil {
		return err
	}
	s, closeFn, err := searcher(c)
	if err != nil {
		return err
	}
	defer closeFn()
	if *export {
		return exportHits(ctx, s, q)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	res, err := s.Search(ctx, q)
	if err != nil {
		return queryError(q, err)
	}
	if c.jsonOut {
		return json.NewEncoder(os.Stdout).Encode(res)
	}
	printHits(res)
	return nil
}

// queryError shows where a malformed query is wrong.
func queryError(q search.Query, err error) error {
	var qe *search.QueryError
	if errors.As(err, &qe) && qe.Position >= 0 {
		return fmt.Errorf("%s\n  %s\n  %s^", qe.Message, q.Q, strings.Repeat(" ", qe.Position))
	}
	return err
}

// exportHits pages through every hit with the cursor and prints each as a JSON line.
func exportHits(ctx context.Context, s search.Searcher, q search.Query) error {
	q.Limit, q.Facets = search.MaxLimit, nil
	enc := json.NewEncoder(os.Stdout)
	for {
		res, err := s.Search(ctx, q)
		if err != nil {
			return queryError(q, err)
		}
		for _, h := range res.Hits {
			if err := enc.Encode(h); err != nil {
				return err
			}
		}
		if res.Next == "" {
			return nil
		}
		q.After = res.Next
	}
}

// searcher answers from a running `docketwatch run`, or opens the index itself when
// nothing owns the data directory.
func searcher(c *common) (search.Searcher, func(), error) {
	if err := c.requireIndex(); err != nil {
		return nil, nil, err
	}
	here := func() (search.Searcher, func(), error) {
		lock, err := datadir.Acquire(c.data)
		if err != nil {
			return nil, nil, err
		}
		idx, err := indexer.Open(filepath.Join(c.data, "index"))
		if err != nil {
			lock.Release()
			return nil, nil, err
		}
		return idx, func() { idx.Close(); lock.Release() }, nil
	}
	return reach(c, here, func(nc *nats.Conn, _ bool) (search.Searcher, func(), error) {
		return search.NewRemote(nc, bus.SearchSubject), nc.Close, nil
	})
}

var markTag = regexp.MustCompile(`</?mark>`)

func printHits(res *search.Result) {
	st, _ := os.Stdout.Stat()
	tty := st != nil && st.Mode()&os.ModeCharDevice != 0
	fmt.Printf("%s\n", plural(int(res.Total), "document"))
	if res.DidYouMean != "" {
		fmt.Printf("Did you mean: %s\n", res.DidYouMean)
	}
	for _, name := range slices.Sorted(maps.Keys(res.Facets)) {
		f := res.Facets[name]
		var terms []string
		for _, t := range f.Terms {
			terms = append(terms, fmt.Sprintf("%s (%d)", facetName(t), t.Count))
		}
		fmt.Printf("  %s: %s\n", name, strings.Join(terms, ", "))
	}
	for _, h := range res.Hits {
		fmt.Printf("\n%s\n  page %d  score %.2f  %s\n", h.Title, h.Page, h.Score, h.ID)
		snippet := markTag.ReplaceAllStringFunc(h.Snippet, func(t string) string {
			switch {
			case !tty:
				return map[string]string{"<mark>": "[", "</mark>": "]"}[t]
			case t == "<mark>":
				return "\x1b[1m"
			}
			return "\x1b[0m"
		})
		fmt.Printf("  %s\n", unescape(snippet))
	}
	if res.Next != "" {
		fmt.Printf("\nmore: --after %s\n", res.Next)
	}
}

func unescape(s string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&", "&#34;", `"`, "&#39;", "'", "&quot;", `"`).Replace(s)
}

// facetName shows a facet value by its label and, when they differ, the value a filter
// takes: "Court of Appeals for the Ninth Circuit [ca9]".
func facetName(t search.FacetTerm) string {
	if t.Label == "" || t.Label == t.Term {
		return t.Term
	}
	return t.Label + " [" + t.Term + "]"
}
