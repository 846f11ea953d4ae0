package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/search"
	"github.com/docketwatch/docketwatch/services/docketwatch/datadir"
	"github.com/docketwatch/docketwatch/services/indexer"
	"github.com/nats-io/nats.go"
)

func cmdSearch(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("search", flag.ContinueOnError)
	var c common
	c.register(fs)
	limit := fs.Int("limit", 20, "hits to show")
	court := fs.String("court", "", "only these courts (comma-separated ids)")
	exhibits := fs.Bool("exhibits", false, "only exhibits")
	after := fs.String("after", "", "cursor of the next page (printed after a full page)")
	words, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(words) == 0 {
		return usageError{"search needs a query"}
	}
	q := search.Query{Q: strings.Join(words, " "), Limit: *limit, Exhibits: *exhibits, After: *after}
	if *court != "" {
		q.Court = strings.Split(*court, ",")
	}
	s, closeFn, err := searcher(c)
	if err != nil {
		return err
	}
	defer closeFn()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	res, err := s.Search(ctx, q)
	if err != nil {
		var qe *search.QueryError
		if errors.As(err, &qe) && qe.Position >= 0 {
			return fmt.Errorf("%s\n  %s\n  %s^", qe.Message, q.Q, strings.Repeat(" ", qe.Position))
		}
		return err
	}
	if c.jsonOut {
		return json.NewEncoder(os.Stdout).Encode(res)
	}
	printHits(res)
	return nil
}

// searcher answers from a running `docketwatch run`, or opens the index itself when
// nothing owns the data directory.
func searcher(c common) (search.Searcher, func(), error) {
	if c.NATS.URLs != "" {
		nc, err := c.NATS.Connect("docketwatch-cli")
		if err != nil {
			return nil, nil, err
		}
		return search.NewRemote(nc, bus.SearchSubject), nc.Close, nil
	}
	lock, err := datadir.Acquire(c.data)
	if err == nil {
		idx, err := indexer.Open(filepath.Join(c.data, "index"))
		if err != nil {
			lock.Release()
			return nil, nil, err
		}
		return idx, func() { idx.Close(); lock.Release() }, nil
	}
	if !errors.Is(err, datadir.ErrBusy) {
		return nil, nil, err
	}
	owner, err := datadir.ReadOwner(c.data)
	if err != nil {
		return nil, nil, err
	}
	nc, err := bus.Connect(owner.NATS, "docketwatch-cli", nats.Token(owner.Token), nats.MaxReconnects(5))
	if err != nil {
		return nil, nil, err
	}
	return search.NewRemote(nc, bus.SearchSubject), nc.Close, nil
}

var markTag = regexp.MustCompile(`</?mark>`)

func printHits(res *search.Result) {
	st, _ := os.Stdout.Stat()
	tty := st != nil && st.Mode()&os.ModeCharDevice != 0
	fmt.Printf("%d documents\n", res.Total)
	for _, h := range res.Hits {
		title := h.CaseName
		if title == "" {
			title = h.Description
		}
		where := strings.TrimSpace(strings.Join([]string{h.Court, h.Docket, h.ExhibitLabel}, " "))
		fmt.Printf("\n%s  page %d  score %.2f\n", h.ID, h.Page, h.Score)
		if title != "" || where != "" {
			fmt.Printf("  %s %s\n", where, title)
		}
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
