// Package corpus gives the alerter's tests and benchmarks real court text: the pages of
// a few public filings (testdata/SOURCES.md), extracted once with the project's own
// text engine.
package corpus

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/services/extractor/pdftext"
)

//go:embed testdata/*.pdf
var files embed.FS

var (
	once  sync.Once
	pages []filing.Page
	err   error
)

// Pages returns every non-empty page of the corpus, in file then page order.
func Pages() ([]filing.Page, error) {
	once.Do(func() {
		names, _ := fs.Glob(files, "testdata/*.pdf")
		sort.Strings(names)
		for _, n := range names {
			data, rerr := files.ReadFile(n)
			if rerr != nil {
				err = rerr
				return
			}
			ps, xerr := pdftext.Extract(context.Background(), data, pdftext.Options{Workers: 1})
			if xerr != nil && len(ps) == 0 {
				err = fmt.Errorf("extracting %s: %w", n, xerr)
				return
			}
			for _, p := range ps {
				if len(strings.Fields(p.Text)) > 20 {
					pages = append(pages, p)
				}
			}
		}
		if len(pages) == 0 && err == nil {
			err = fmt.Errorf("corpus has no text")
		}
	})
	return pages, err
}

// Words returns the corpus's words, lowercased letters only, in text order.
func Words() ([]string, error) {
	ps, err := Pages()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, p := range ps {
		for _, w := range strings.FieldsFunc(p.Text, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
		}) {
			if len(w) > 1 {
				out = append(out, strings.ToLower(w))
			}
		}
	}
	return out, nil
}

// Docs returns n documents of size pages each, cut from the corpus pages in turn (and
// around again), with distinct ids; every third is an exhibit.
func Docs(n, size int) ([]filing.Text, error) {
	ps, err := Pages()
	if err != nil {
		return nil, err
	}
	out := make([]filing.Text, n)
	k := 0
	for i := range out {
		t := filing.Text{Schema: filing.Schema, Extractor: "test", Version: int64(i + 1), ExtractedAt: time.Now().UTC()}
		t.Document = filing.Document{
			Schema: filing.Schema, ID: filing.SourceDocID("test", fmt.Sprint(i)), Source: "test",
			Docket:  filing.Docket{Court: []string{"cand", "nysd", "ca9"}[i%3], Number: fmt.Sprintf("3:24-cv-%05d", i)},
			Entry:   filing.Entry{Number: i%50 + 1, Filed: time.Now().UTC()},
			Exhibit: i%3 == 0,
		}
		for j := range size {
			p := ps[k%len(ps)]
			k++
			p.Number = j + 1
			t.Pages = append(t.Pages, p)
		}
		out[i] = t
	}
	return out, nil
}
