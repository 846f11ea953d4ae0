package entity

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/filing"
)

var updateGold = flag.Bool("update", false, "rewrite the mentions of testdata/gold/*.json from testdata/gold/src/*.ann")

// annTypes are the type codes of the annotation files.
var annTypes = map[string]filing.EntityType{
	"org": filing.Organization, "per": filing.Person, "loc": filing.Place, "prod": filing.Product,
	"money": filing.Money, "date": filing.Date, "dkt": filing.DocketNumber, "cite": filing.CaseCitation,
	"stat": filing.Statute, "court": filing.CourtName, "ex": filing.ExhibitRef,
}

// goldFile is a gold JSON file as written, in its field order.
type goldFile struct {
	ID     string `json:"id"`
	Source struct {
		Repo   string `json:"repo"`
		Path   string `json:"path"`
		Commit string `json:"commit"`
	} `json:"source"`
	Extraction string        `json:"extraction"`
	Pages      []filing.Page `json:"pages"`
	Mentions   []goldMention `json:"mentions"`
	Known      []Known       `json:"known,omitempty"`
}

type goldMention struct {
	Type  filing.EntityType `json:"type"`
	Page  int               `json:"page"`
	Start int               `json:"start"`
	End   int               `json:"end"`
	Text  string            `json:"text"`
}

// annotation is a parsed .ann file: a header, then per page the mentions in text order.
type annotation struct {
	header map[string]string
	pages  []int // page numbers in order
	items  map[int][]annItem
}

type annItem struct {
	skip bool // ">>": advance past the text without marking it
	typ  filing.EntityType
	text string
}

func parseAnn(path string) (*annotation, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	head, body, ok := strings.Cut(string(b), "\n---\n")
	if !ok {
		return nil, fmt.Errorf("parsing %s: no --- line after the header", path)
	}
	a := &annotation{header: map[string]string{}, items: map[int][]annItem{}}
	for _, l := range strings.Split(strings.TrimSpace(head), "\n") {
		k, v, ok := strings.Cut(l, ": ")
		if !ok {
			return nil, fmt.Errorf("parsing %s: header line %q", path, l)
		}
		a.header[k] = v
	}
	page := 0
	sc := bufio.NewScanner(strings.NewReader(body))
	for n := 1; sc.Scan(); n++ {
		l := sc.Text()
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if f := strings.Fields(l); f[0] == "page" {
			// "page 2 lines 39-54": the line numbers say where the page was in the
			// extracted text; the page's text itself is in the JSON.
			if page, err = strconv.Atoi(f[1]); err != nil || len(f) != 4 {
				return nil, fmt.Errorf("parsing %s:%d: page line %q", path, n, l)
			}
			a.pages = append(a.pages, page)
			continue
		}
		code, surface, ok := strings.Cut(l, " ")
		if !ok || page == 0 {
			return nil, fmt.Errorf("parsing %s:%d: %q", path, n, l)
		}
		it := annItem{text: strings.ReplaceAll(surface, `\n`, "\n")} // a mention may span a line break
		if code == ">>" {
			it.skip = true
		} else if it.typ, ok = annTypes[code]; !ok {
			return nil, fmt.Errorf("parsing %s:%d: unknown type code %q", path, n, code)
		}
		a.items[page] = append(a.items[page], it)
	}
	return a, sc.Err()
}

// mentions turns the annotation's surfaces into byte offsets: each mention is the next
// occurrence of its text after the previous one on its page.
func (a *annotation) mentions(pages []filing.Page) ([]goldMention, error) {
	text := map[int]string{}
	for _, p := range pages {
		text[p.Number] = p.Text
	}
	var out []goldMention
	for _, pn := range a.pages {
		t, ok := text[pn]
		if !ok {
			return nil, fmt.Errorf("page %d: not in the JSON", pn)
		}
		cur := 0
		for _, it := range a.items[pn] {
			k := strings.Index(t[cur:], it.text)
			if k < 0 {
				return nil, fmt.Errorf("page %d: %q not found after offset %d", pn, it.text, cur)
			}
			s, e := cur+k, cur+k+len(it.text)
			cur = e
			if !it.skip {
				out = append(out, goldMention{Type: it.typ, Page: pn, Start: s, End: e, Text: it.text})
			}
		}
	}
	return out, nil
}

// TestGoldAnnotations checks that every gold JSON holds exactly the mentions its
// hand-written annotation file (testdata/gold/src/*.ann) gives, placed on the JSON's page
// text. With -update it rewrites the JSON's mentions and source from the annotation.
func TestGoldAnnotations(t *testing.T) {
	anns, err := filepath.Glob("testdata/gold/src/*.ann")
	if err != nil || len(anns) == 0 {
		t.Fatalf("listing annotation files: %v (%d files)", err, len(anns))
	}
	for _, path := range anns {
		a, err := parseAnn(path)
		if err != nil {
			t.Fatal(err)
		}
		jpath := filepath.Join("testdata/gold", a.header["id"]+".json")
		b, err := os.ReadFile(jpath)
		if err != nil {
			t.Fatalf("reading the gold file of %s: %v", path, err)
		}
		var g goldFile
		if err := json.Unmarshal(b, &g); err != nil {
			t.Fatalf("reading %s: %v", jpath, err)
		}
		ms, err := a.mentions(g.Pages)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if *updateGold {
			g.ID, g.Extraction, g.Mentions = a.header["id"], a.header["extraction"], ms
			g.Source.Repo, g.Source.Path, g.Source.Commit = a.header["repo"], a.header["path"], a.header["commit"]
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", " ")
			if err := enc.Encode(g); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(jpath, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if len(ms) != len(g.Mentions) {
			t.Errorf("%s: got %d mentions from the annotation; the JSON has %d (run with -update)", jpath, len(ms), len(g.Mentions))
			continue
		}
		for i := range ms {
			if ms[i] != g.Mentions[i] {
				t.Errorf("%s: mention %d: annotation gives %+v; the JSON has %+v (run with -update)", jpath, i, ms[i], g.Mentions[i])
				break
			}
		}
		if g.ID != a.header["id"] || g.Source.Commit != a.header["commit"] {
			t.Errorf("%s: id/commit %s/%s; annotation says %s/%s", jpath, g.ID, g.Source.Commit, a.header["id"], a.header["commit"])
		}
	}
}
