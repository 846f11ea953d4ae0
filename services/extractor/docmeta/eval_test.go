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
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/services/extractor/pdfextract"
	"github.com/docketwatch/docketwatch/services/fetcher/pacerrss"
)

var dumpGold = flag.Bool("dump", false, "print what is read from each gold document")

// goldDoc is one document of testdata/gold.json or testdata/heldout.json: where it is in
// the shared corpus, the true metadata, and for each field where the truth comes from
// (the upstream fixture or the corpus manifest, or "printed" for a value only the
// document itself states).
type goldDoc struct {
	File string `json:"file"`
	// Kind is "pdf", "nef" (a PACER notice e-mail), "rss" (a PACER RSS item), "docket"
	// (a PACER docket sheet read as a document), "entry" (a docket entry as CourtListener
	// announces it), "attachment" (an attachment of a PACER attachment page as
	// CourtListener announces it), "report" (a row of a PACER free opinion report, as a
	// docket entry) or "webhook" (a RECAP document of a CourtListener docket alert).
	Kind string `json:"kind"`
	// Part is empty for the development gold; "probe" or "final" for the held-out gold,
	// "fresh", "fresh2" and "fresh3" for the fresh samples (testdata/README.md).
	Part     string            `json:"part,omitempty"`
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
	case "nef", "docket":
		return filing.Document{Source: "localdir", Blob: &filing.BlobRef{Name: filepath.Base(path)}},
			[]filing.Page{{Number: 1, Text: htmlText(string(data))}}
	case "rss":
		return rssItem(t, data, g.Item), nil
	case "entry":
		return docketEntry(t, data, g.Item), nil
	case "attachment":
		return attachmentOfPage(t, data, g.Item), nil
	case "report":
		return reportRow(t, data, g.Item), nil
	case "webhook":
		return webhookDocument(t, data, g.Item), nil
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

var rssItemRe = regexp.MustCompile(`(?s)<item>.*?</item>`)

// rssItem is the document the pacerrss source makes of item n of a PACER RSS feed: the
// feed is cut down to that item and parsed as the source parses it.
func rssItem(t testing.TB, data []byte, n int) filing.Document {
	t.Helper()
	items := rssItemRe.FindAllIndex(data, -1)
	if n >= len(items) {
		t.Fatalf("rss item %d of %d", n, len(items))
	}
	one := slices.Concat(data[:items[0][0]], data[items[n][0]:items[n][1]], []byte("</channel></rss>"))
	court, ok := pacerrss.CourtOfFeed(data)
	if !ok {
		t.Fatal("feed names no court")
	}
	feed, err := pacerrss.Parse(court, bytes.NewReader(one))
	if err != nil {
		t.Fatal(err)
	}
	docs := feed.Documents(time.Time{})
	if len(docs) != 1 {
		t.Fatalf("rss item %d: %d documents (dropped: %v)", n, len(docs), feed.Dropped)
	}
	return docs[0]
}

// docketEntry is the document of entry n of a juriscraper docket fixture as the
// CourtListener source announces it: the docket's court, number and case name, and the
// entry's docket text.
func docketEntry(t testing.TB, data []byte, n int) filing.Document {
	t.Helper()
	var d struct {
		Court   string `json:"court_id"`
		Docket  string `json:"docket_number"`
		Name    string `json:"case_name"`
		Entries []struct {
			Description string `json:"description"`
		} `json:"docket_entries"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatal(err)
	}
	if n >= len(d.Entries) {
		t.Fatalf("docket entry %d of %d", n, len(d.Entries))
	}
	return filing.Document{Source: "courtlistener",
		Docket: filing.Docket{Court: d.Court, Number: d.Docket, CaseName: d.Name},
		Entry:  filing.Entry{Description: d.Entries[n].Description}}
}

// attachmentOfPage is the document of attachment n of a juriscraper attachment page
// fixture as the CourtListener source announces an attachment: its entry and number,
// and its own description.
func attachmentOfPage(t testing.TB, data []byte, n int) filing.Document {
	t.Helper()
	var p struct {
		Attachments []struct {
			Number      int    `json:"attachment_number"`
			Description string `json:"description"`
		} `json:"attachments"`
	}
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatal(err)
	}
	if n >= len(p.Attachments) {
		t.Fatalf("attachment %d of %d", n, len(p.Attachments))
	}
	a := p.Attachments[n]
	return filing.Document{Source: "courtlistener", Attachment: a.Number, Description: a.Description}
}

// reportRow is row n of a juriscraper free opinion report fixture as the CourtListener
// source announces the entry: the row's court, number and case name, and its docket text.
func reportRow(t testing.TB, data []byte, n int) filing.Document {
	t.Helper()
	var rows []struct {
		Court       string `json:"court_id"`
		Docket      string `json:"docket_number"`
		Name        string `json:"case_name"`
		Description string `json:"description"`
	}
	if err := json.Unmarshal(data, &rows); err != nil {
		t.Fatal(err)
	}
	if n >= len(rows) {
		t.Fatalf("report row %d of %d", n, len(rows))
	}
	r := rows[n]
	return filing.Document{Source: "courtlistener",
		Docket: filing.Docket{Court: r.Court, Number: r.Docket, CaseName: r.Name},
		Entry:  filing.Entry{Description: r.Description}}
}

// webhookDocument is RECAP document n of the first entry of a CourtListener docket-alert
// webhook sample as the webhook resolver builds it (services/fetcher/courtlistener): the
// document's own description and the entry's docket text.
func webhookDocument(t testing.TB, data []byte, n int) filing.Document {
	t.Helper()
	// The sample is a template: its version is a placeholder.
	data = bytes.ReplaceAll(data, []byte("{{ webhook_version }}"), []byte("2"))
	var ev struct {
		Payload struct {
			Results []struct {
				Description string `json:"description"`
				Documents   []struct {
					Description string `json:"description"`
					Attachment  *int   `json:"attachment_number"`
				} `json:"recap_documents"`
			} `json:"results"`
		} `json:"payload"`
	}
	if err := json.Unmarshal(data, &ev); err != nil {
		t.Fatal(err)
	}
	if len(ev.Payload.Results) == 0 || n >= len(ev.Payload.Results[0].Documents) {
		t.Fatalf("webhook document %d: not in the sample", n)
	}
	e := ev.Payload.Results[0]
	d := e.Documents[n]
	doc := filing.Document{Source: "courtlistener", Description: d.Description,
		Entry: filing.Entry{Description: e.Description}}
	if d.Attachment != nil {
		doc.Attachment = *d.Attachment
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

// goldSets are the sets evaluated: the development gold the rules were written against,
// the held-out gold and the fresh samples (testdata/README.md). The probe part and the
// first two fresh samples have been tuned on and show their misses; the final part and
// the third fresh sample are reported as figures, never miss by miss.
var goldSets = []struct {
	name, file, part string
	showMisses       bool
}{
	{"dev", "testdata/gold.json", "", true},
	{"probe-tuned", "testdata/heldout.json", "probe", true},
	{"held-out-final", "testdata/heldout.json", "final", false},
	{"fresh-tuned", "testdata/fresh.json", "fresh", true},
	{"fresh2-tuned", "testdata/fresh2.json", "fresh2", true},
	{"held-out-fresh3", "testdata/fresh3.json", "fresh3", false},
}

var goldFields = []string{"court", "docket", "case_name", "type"}

// scoreboard counts right answers by "set/names/documents" and field.
type scoreboard map[string]map[string]*tally

func (b scoreboard) add(key, field string, ok bool) {
	if b[key] == nil {
		b[key] = map[string]*tally{}
	}
	if b[key][field] == nil {
		b[key][field] = &tally{}
	}
	b[key][field].total++
	if ok {
		b[key][field].right++
	}
}

func (b scoreboard) table() string {
	keys := slices.Sorted(maps.Keys(b))
	var out strings.Builder
	fmt.Fprintf(&out, "\n%-38s", "set/names/documents")
	for _, f := range goldFields {
		fmt.Fprintf(&out, " %-16s", f)
	}
	for _, k := range keys {
		fmt.Fprintf(&out, "\n%-38s", k)
		for _, f := range goldFields {
			s := tally{}
			if p := b[k][f]; p != nil {
				s = *p
			}
			fmt.Fprintf(&out, " %-16s", s)
		}
	}
	return out.String()
}

func loadGold(t testing.TB, file, part string) []goldDoc {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var all []goldDoc
	if err := json.Unmarshal(b, &all); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	var gold []goldDoc
	for _, g := range all {
		if g.Part == part {
			gold = append(gold, g)
		}
	}
	return gold
}

// TestGoldEvaluation reads every gold document twice, under its own file name and under a
// neutral one (only a real RECAP name may carry an answer), and prints the accuracy of
// each field per set and kind of document; issue 18's targets hold for the development
// set under neutral names.
func TestGoldEvaluation(t *testing.T) {
	if testing.Short() {
		t.Skip("extracts and OCRs the gold PDFs")
	}
	corpus := filepath.Join(sharedDir(t), "corpus")
	board := scoreboard{}
	var readTime time.Duration
	reads := 0
	for _, set := range goldSets {
		gold := loadGold(t, set.file, set.part)
		if len(gold) < 25 {
			t.Fatalf("%s has %d documents; want at least 25", set.name, len(gold))
		}
		d, n := evaluateSet(t, corpus, set.name, set.showMisses, gold, board)
		readTime += d
		reads += n
	}
	t.Log(board.table())
	t.Logf("reading metadata took %v a document (mean of %d, the courts table's first use included)", readTime/time.Duration(reads), reads)
	// Issue 18's targets hold for the development set; the held-out final part and the
	// fresh samples are held to a little under what they gave (EVAL.md), so that a change
	// that loses on documents nobody tuned on (or, for the first two fresh samples, on the
	// documents it was tuned on) fails here.
	floors := map[string]map[string]float64{
		"dev":             {"court": 0.95, "docket": 0.95, "case_name": 0.85, "type": 0.90},
		"held-out-final":  {"court": 0.95, "docket": 0.90, "case_name": 0.80, "type": 0.80},
		"fresh-tuned":     {"type": 0.95},
		"fresh2-tuned":    {"type": 0.95},
		"held-out-fresh3": {"type": 0.90},
	}
	for set, targets := range floors {
		for _, naming := range []string{"original", "neutral"} {
			for f, want := range targets {
				s := board[set+"/"+naming+"/all"][f]
				if got := float64(s.right) / float64(s.total); got < want {
					t.Errorf("%s, %s names: %s accuracy %.0f%% (%d/%d); want at least %.0f%%", set, naming, f, 100*got, s.right, s.total, 100*want)
				}
			}
		}
	}
}

// evaluateSet reads and scores every document of one gold set into board; it logs the
// misses under neutral names when showMisses, and returns the time spent reading.
func evaluateSet(t *testing.T, corpus, set string, showMisses bool, gold []goldDoc, board scoreboard) (time.Duration, int) {
	var readTime time.Duration
	reads := 0
	for i, g := range gold {
		doc, pages := goldInput(t, corpus, g)
		for _, naming := range []string{"original", "neutral"} {
			d := doc
			if naming == "neutral" && d.Blob != nil {
				d.Blob = &filing.BlobRef{Name: fmt.Sprintf("document-%03d%s", i, filepath.Ext(d.Blob.Name))}
			}
			began := time.Now()
			got := Apply(d, Read(d, pages))
			readTime += time.Since(began)
			reads++
			if *dumpGold && showMisses && naming == "neutral" {
				t.Logf("%s: court=%q docket=%q case=%q type=%q title=%q origins=%v", g.File, got.Docket.Court, got.Docket.Number, got.Docket.CaseName, got.Type, got.Title, got.Origins)
			}
			values := map[string]string{"court": got.Docket.Court, "docket": got.Docket.Number, "case_name": got.Docket.CaseName, "type": string(got.Type)}
			check := map[string]bool{
				"court":     got.Docket.Court == g.Court,
				"docket":    normDocket(got.Docket.Number) == normDocket(g.Docket),
				"case_name": normName(got.Docket.CaseName) == normName(g.CaseName),
				"type":      got.Type == g.Type,
			}
			for _, f := range goldFields {
				if g.Truth[f] == "" {
					continue // no known true value
				}
				// Values only the document prints are scored apart from upstream truth.
				sub := "upstream"
				if g.Truth[f] == "printed" {
					sub = "printed"
				}
				for _, key := range []string{g.Kind, "all-" + sub, "all"} {
					board.add(set+"/"+naming+"/"+key, f, check[f])
				}
				if !check[f] && showMisses && naming == "neutral" {
					t.Logf("miss %-9s %s %s#%d: got %q; want %q", f, set, g.File, g.Item, values[f], map[string]string{"court": g.Court, "docket": g.Docket, "case_name": g.CaseName, "type": string(g.Type)}[f])
				}
			}
		}
	}
	return readTime, reads
}
