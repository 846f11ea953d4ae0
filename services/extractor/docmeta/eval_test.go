package docmeta

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"html"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/services/extractor/pdfextract"
)

var dumpGold = flag.Bool("dump", false, "print what is read from each gold document")

// goldDoc is one document of testdata/gold.json: where it is in the shared corpus, the
// true metadata, and for each field where the truth comes from (the upstream fixture or
// the corpus manifest, or "printed" for a value only the document itself states).
type goldDoc struct {
	File     string            `json:"file"`
	Kind     string            `json:"kind"` // "pdf", "nef" (PACER notice e-mail) or "rss" (PACER RSS item)
	Item     int               `json:"item,omitempty"`
	Court    string            `json:"court"`
	Docket   string            `json:"docket,omitempty"`
	CaseName string            `json:"case_name,omitempty"`
	Type     filing.DocType    `json:"type"`
	Truth    map[string]string `json:"truth"`
}

// sharedDir finds the shared corpus beside the checkout: ../shared from the repository
// root (a worktree looks beside its parents too), or where DOCKETWATCH_SHARED points.
func sharedDir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("DOCKETWATCH_SHARED"); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for ; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		if filepath.Dir(dir) == dir {
			t.Skip("no go.mod above the test; cannot find ../shared")
		}
	}
	for root := dir; filepath.Dir(root) != root; root = filepath.Dir(root) {
		shared := filepath.Join(filepath.Dir(root), "shared")
		if _, err := os.Stat(filepath.Join(shared, "corpus", "MANIFEST.md")); err == nil {
			return shared
		}
	}
	t.Skipf("shared corpus not found beside %s or its parents (set DOCKETWATCH_SHARED)", dir)
	return ""
}

// goldInput turns a gold document into what the extractor holds: the document as its
// source announced it and its pages.
func goldInput(t testing.TB, corpus string, g goldDoc) (filing.Document, []filing.Page) {
	t.Helper()
	path, member, _ := strings.Cut(g.File, "!")
	data, err := os.ReadFile(filepath.Join(corpus, path))
	if err != nil {
		t.Fatal(err)
	}
	switch g.Kind {
	case "pdf":
		name := filepath.Base(path)
		if member != "" {
			data, name = zipMember(t, data, member), member
		}
		res, err := pdfextract.Extract(context.Background(), data, pdfextract.Options{MaxPages: 3})
		if err != nil {
			t.Fatalf("%s: %v", g.File, err)
		}
		return filing.Document{Source: "localdir", Blob: &filing.BlobRef{Name: name}}, res.Pages
	case "nef":
		return filing.Document{Source: "localdir", Blob: &filing.BlobRef{Name: filepath.Base(path)}},
			[]filing.Page{{Number: 1, Text: htmlText(string(data))}}
	case "rss":
		return rssItem(t, data, g.Item), nil
	}
	t.Fatalf("%s: unknown kind %q", g.File, g.Kind)
	return filing.Document{}, nil
}

func zipMember(t testing.TB, data []byte, name string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	f, err := zr.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var (
	htmlDrop  = regexp.MustCompile(`(?is)<(script|style)\b.*?</(script|style)>`)
	htmlBreak = regexp.MustCompile(`(?i)<br\s*/?>|</(p|div|tr|td|h\d|li)>`)
	htmlTag   = regexp.MustCompile(`<[^>]*>`)
)

// htmlText is the text of an HTML e-mail as a PDF printout of it would read: one line per
// block, tags gone.
func htmlText(s string) string {
	s = htmlDrop.ReplaceAllString(s, "")
	s = htmlBreak.ReplaceAllString(s, "\n")
	s = html.UnescapeString(htmlTag.ReplaceAllString(s, ""))
	var lines []string
	for l := range strings.SplitSeq(s, "\n") {
		if l = strings.Join(strings.Fields(l), " "); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}

var (
	rssItemRe  = regexp.MustCompile(`(?s)<item>(.*?)</item>`)
	rssTitle   = regexp.MustCompile(`(?s)<title>(.*?)</title>`)
	rssDesc    = regexp.MustCompile(`(?s)<description>(.*?)</description>`)
	rssCourtRe = regexp.MustCompile(`https?://ecf\.([a-z0-9]+)\.uscourts\.gov`)
	rssBracket = regexp.MustCompile(`^\s*\[([^\]]*)\]`)
)

// rssItem is the document a PACER RSS item announces, as the pacerrss source reads it:
// court from the feed's address, docket number and case name from the title, the entry's
// description from the item.
func rssItem(t testing.TB, data []byte, n int) filing.Document {
	t.Helper()
	items := rssItemRe.FindAllSubmatch(data, -1)
	if n >= len(items) {
		t.Fatalf("rss item %d of %d", n, len(items))
	}
	item := string(items[n][1])
	title := html.UnescapeString(strings.TrimSpace(rssTitle.FindStringSubmatch(item)[1]))
	docket, name, _ := strings.Cut(title, " ")
	desc := html.UnescapeString(rssDesc.FindStringSubmatch(item)[1])
	if m := rssBracket.FindStringSubmatch(desc); m != nil {
		desc = m[1]
	}
	doc := filing.Document{Source: "pacerrss", Docket: filing.Docket{Number: docket, CaseName: filing.HarmonizeCaseName(name)},
		Entry: filing.Entry{Description: desc}}
	if m := rssCourtRe.FindStringSubmatch(item); m != nil {
		doc.Docket.Court = m[1]
	}
	return doc
}

var (
	judgeSuffix = regexp.MustCompile(`^((?:\d{1,2}:)?\d{2}-[a-z]{2,4}-\d{3,6})(?:-[a-z]{1,4})*$`)
	nonWord     = regexp.MustCompile(`[^a-z0-9]+`)
)

func normDocket(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if m := judgeSuffix.FindStringSubmatch(s); m != nil {
		return m[1]
	}
	return s
}

// normName compares case names as CourtListener's search does: case, punctuation and
// "&"/"and" do not count.
func normName(s string) string {
	s = strings.ReplaceAll(strings.ToLower(s), "&", " and ")
	return strings.TrimSpace(nonWord.ReplaceAllString(s, " "))
}

type tally struct{ right, total int }

func (t tally) String() string {
	if t.total == 0 {
		return "   -"
	}
	return fmt.Sprintf("%3.0f%% (%d/%d)", 100*float64(t.right)/float64(t.total), t.right, t.total)
}

// TestGoldEvaluation reads every gold document twice, under its own file name and under a
// neutral one (only a real RECAP name may carry an answer), and prints the accuracy of
// each field per kind of document; the targets hold for the neutral names.
func TestGoldEvaluation(t *testing.T) {
	if testing.Short() {
		t.Skip("extracts and OCRs the gold PDFs")
	}
	corpus := filepath.Join(sharedDir(t), "corpus")
	b, err := os.ReadFile("testdata/gold.json")
	if err != nil {
		t.Fatal(err)
	}
	var gold []goldDoc
	if err := json.Unmarshal(b, &gold); err != nil {
		t.Fatal(err)
	}
	if len(gold) < 40 {
		t.Fatalf("gold has %d documents; want at least 40", len(gold))
	}
	fields := []string{"court", "docket", "case_name", "type"}
	var readTime time.Duration
	reads := 0
	scores := map[string]map[string]*tally{} // "names/kind" → field → tally
	score := func(key, field string, ok bool) {
		if scores[key] == nil {
			scores[key] = map[string]*tally{}
		}
		if scores[key][field] == nil {
			scores[key][field] = &tally{}
		}
		scores[key][field].total++
		if ok {
			scores[key][field].right++
		}
	}
	for i, g := range gold {
		doc, pages := goldInput(t, corpus, g)
		for _, naming := range []string{"original", "neutral"} {
			d := doc
			if naming == "neutral" && d.Blob != nil {
				d.Blob = &filing.BlobRef{Name: fmt.Sprintf("document-%02d%s", i, filepath.Ext(d.Blob.Name))}
			}
			began := time.Now()
			got := Apply(d, Read(d, pages))
			readTime += time.Since(began)
			reads++
			if *dumpGold && naming == "neutral" {
				t.Logf("%s: court=%q docket=%q case=%q type=%q title=%q origins=%v", g.File, got.Docket.Court, got.Docket.Number, got.Docket.CaseName, got.Type, got.Title, got.Origins)
			}
			check := map[string]bool{
				"court":     got.Docket.Court == g.Court,
				"docket":    normDocket(got.Docket.Number) == normDocket(g.Docket),
				"case_name": normName(got.Docket.CaseName) == normName(g.CaseName),
				"type":      got.Type == g.Type,
			}
			for _, f := range fields {
				if g.Truth[f] == "" {
					continue // no known true value
				}
				// Values only the document prints are scored apart from upstream truth.
				sub := "upstream"
				if g.Truth[f] == "printed" {
					sub = "printed"
				}
				for _, key := range []string{naming + "/" + g.Kind, naming + "/all-" + sub, naming + "/all"} {
					score(key, f, check[f])
				}
				if !check[f] && naming == "neutral" {
					t.Logf("miss %-9s %s: got %q", f, g.File, map[string]string{"court": got.Docket.Court, "docket": got.Docket.Number, "case_name": got.Docket.CaseName, "type": string(got.Type)}[f])
				}
			}
		}
	}
	keys := make([]string, 0, len(scores))
	for k := range scores {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out strings.Builder
	fmt.Fprintf(&out, "\n%-22s", "names/documents")
	for _, f := range fields {
		fmt.Fprintf(&out, " %-16s", f)
	}
	for _, k := range keys {
		fmt.Fprintf(&out, "\n%-22s", k)
		for _, f := range fields {
			s := tally{}
			if p := scores[k][f]; p != nil {
				s = *p
			}
			fmt.Fprintf(&out, " %-16s", s)
		}
	}
	t.Log(out.String())
	t.Logf("reading metadata took %v a document (mean of %d, the courts table's first use included)", readTime/time.Duration(reads), reads)
	// Issue 18's targets.
	targets := map[string]float64{"court": 0.95, "docket": 0.95, "case_name": 0.85, "type": 0.90}
	for _, naming := range []string{"original", "neutral"} {
		for f, want := range targets {
			s := scores[naming+"/all"][f]
			if got := float64(s.right) / float64(s.total); got < want {
				t.Errorf("%s names: %s accuracy %.0f%% (%d/%d); want at least %.0f%%", naming, f, 100*got, s.right, s.total, 100*want)
			}
		}
	}
}
