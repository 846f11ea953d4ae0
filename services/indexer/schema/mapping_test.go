package schema

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/search"
	"github.com/docketwatch/docketwatch/services/indexer/schema/wordseg"
)

// TestAnalysersAsBleves checks that the text analysers give on real filings exactly the
// tokens of the ones they replace: bleve's "en" and unicode + to_lower.
func TestAnalysersAsBleves(t *testing.T) {
	paths, err := filepath.Glob("../testdata/corpus/*.txt")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no filings under ../testdata/corpus: %v", err)
	}
	m := Mapping()
	old := bleve.NewIndexMapping()
	if err := old.AddCustomAnalyzer("unicode_lower", map[string]any{
		"type": custom.Name, "tokenizer": unicode.Name, "token_filters": []string{lowercase.Name},
	}); err != nil {
		t.Fatal(err)
	}
	for _, pair := range []struct{ ours, theirs analysis.Analyzer }{
		{m.AnalyzerNamed(AnalyzerText), old.AnalyzerNamed(en.AnalyzerName)},
		{m.AnalyzerNamed(AnalyzerExact), old.AnalyzerNamed("unicode_lower")},
	} {
		for _, p := range paths {
			text, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			got, want := pair.ours.Analyze(text), pair.theirs.Analyze(text)
			if len(got) != len(want) {
				t.Errorf("%s: %d tokens, want %d", p, len(got), len(want))
				continue
			}
			for i := range got {
				g, w := got[i], want[i]
				if string(g.Term) != string(w.Term) || g.Start != w.Start || g.End != w.End || g.Position != w.Position || g.Type != w.Type {
					t.Errorf("%s: token %d is %v, want %v", p, i, g, w)
					break
				}
			}
		}
	}
}

// TestIndexBuiltWithEn checks that an index built before AnalyzerText, whose stored
// mapping analyses text with "en" and AnalyzerExact with "unicode", answers the queries
// the parser builds now, which name AnalyzerText: a word, a stop word and a phrase.
func TestIndexBuiltWithEn(t *testing.T) {
	stored, err := json.Marshal(Mapping())
	if err != nil {
		t.Fatal(err)
	}
	stored = replaceAll(t, stored, `"`+AnalyzerText+`"`, `"`+en.AnalyzerName+`"`)
	stored = replaceAll(t, stored, `"tokenizer":"`+wordseg.Name+`"`, `"tokenizer":"`+unicode.Name+`"`)
	old := mapping.NewIndexMapping()
	if err := json.Unmarshal(stored, old); err != nil {
		t.Fatal(err)
	}
	idx, err := bleve.NewUsing("", old, scorch.Name, scorch.Name, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	text := filing.Text{
		Schema:   filing.Schema,
		Document: filing.Document{ID: "d1", Source: "localdir"},
		Version:  1,
		Pages:    []filing.Page{{Number: 1, Text: "The plaintiff’s motions to dismiss were denied under 42 U.S.C. § 1983."}},
	}
	if err := idx.Index("d1", IndexDocument(text, time.Unix(0, 0))); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"dismissed", "plaintiff", `"motions to dismiss"`, "U.S.C.", "the"} {
		bq, err := BuildQuery(search.Query{Q: q})
		if err != nil {
			t.Fatalf("%q: %v", q, err)
		}
		res, err := idx.Search(bleve.NewSearchRequest(bq))
		if err != nil {
			t.Fatalf("%q: %v", q, err)
		}
		if res.Total != 1 {
			t.Errorf("%q finds %d documents, want 1", q, res.Total)
		}
	}
}

// replaceAll replaces every old in b by new, and fails if there is none.
func replaceAll(t *testing.T, b []byte, old, new string) []byte {
	t.Helper()
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("the mapping holds no %s", old)
	}
	return bytes.ReplaceAll(b, []byte(old), []byte(new))
}
