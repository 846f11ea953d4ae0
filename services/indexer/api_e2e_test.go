package indexer

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/blob"
	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/poll"
	"github.com/docketwatch/docketwatch/pkg/run/runtest"
	"github.com/docketwatch/docketwatch/pkg/search"
	"github.com/docketwatch/docketwatch/pkg/webtest"
	"github.com/docketwatch/docketwatch/services/api"
	"github.com/nats-io/nats.go/jetstream"
)

// apiStack serves x the way `docketwatch run` does: the index answers search.query over
// NATS, as many searches at once as the node serves (node.go), and the HTTP API asks it
// through search.Remote.
func apiStack(t testing.TB, x *Index, blobs blob.Store) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(api.Handler(api.HandlerDeps{Searcher: remoteSearcher(t, bustest.Server(t), x, runtime.NumCPU()*2), Blobs: blobs}))
	t.Cleanup(srv.Close)
	return srv
}

func TestAPISearchErrorsAndFacets(t *testing.T) {
	x := openTemp(t)
	indexTexts(t, x, loadCaseDocs(t, "testdata/search/filters_facets/documents.json"))
	srv := apiStack(t, x, nil)
	tests := []struct {
		params     url.Values
		wantStatus int
		wantPos    *int
	}{
		{url.Values{"q": {"netflix AND (meta OR"}}, 400, ptr(12)},
		{url.Values{"q": {`"unterminated`}}, 400, ptr(0)},
		{url.Values{"q": {"cort:cand"}}, 400, ptr(0)},
		{url.Values{"q": {"order"}, "limit": {"x"}}, 400, nil},
		{url.Values{"q": {"order"}, "sort": {"sideways"}}, 400, nil},
		{url.Values{"q": {"order"}, "after": {"forged"}}, 400, nil},
		{url.Values{"q": {"order"}, "filed_from": {"yesterday"}}, 400, nil},
		{url.Values{"q": {"complaint"}, "court": {"nysd,txed"}, "facets": {"court,doc_type"}}, 200, nil},
	}
	for _, tt := range tests {
		r := webtest.Get(t, srv.URL+"/api/v1/search?"+tt.params.Encode())
		if r.Status != tt.wantStatus {
			t.Errorf("%v: status %d (%s); want %d", tt.params, r.Status, r.Body, tt.wantStatus)
			continue
		}
		if r.Status != 200 {
			var e struct {
				Error struct {
					Message  string `json:"message"`
					Position *int   `json:"position"`
				} `json:"error"`
			}
			if err := json.Unmarshal(r.Body, &e); err != nil || e.Error.Message == "" {
				t.Errorf("%v: error body %s has no message", tt.params, r.Body)
			}
			if tt.wantPos != nil && (e.Error.Position == nil || *e.Error.Position != *tt.wantPos) {
				t.Errorf("%v: position %v; want %d (%s)", tt.params, e.Error.Position, *tt.wantPos, r.Body)
			}
			continue
		}
		var res search.Result
		if err := json.Unmarshal(r.Body, &res); err != nil {
			t.Fatal(err)
		}
		if res.Total != 4 || res.Facets["court"].Terms == nil || len(res.Facets["doc_type"].Terms) != 3 {
			t.Errorf("%v: total %d, facets %+v; want 4 hits over 2 courts and 3 types", tt.params, res.Total, res.Facets)
		}
	}
}

func ptr(i int) *int { return &i }

// TestAPIExport streams more hits than one page holds: every hit exactly once.
func TestAPIExport(t *testing.T) {
	x := openTemp(t)
	const n = 2300
	indexTexts(t, x, corpusTexts(t, n))
	srv := apiStack(t, x, nil)
	for _, sort := range []string{"relevance", "newest"} {
		r := webtest.Get(t, srv.URL+"/api/v1/search/export?"+url.Values{"q": {"+filed:>=1900 (water OR court)"}, "sort": {sort}}.Encode())
		if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-ndjson") {
			t.Fatalf("%s: status %d, type %s: %.200s", sort, r.Status, r.Header.Get("Content-Type"), r.Body)
		}
		if r.Header.Get("X-Total-Hits") != "2300" {
			t.Errorf("%s: X-Total-Hits %q; want 2300", sort, r.Header.Get("X-Total-Hits"))
		}
		seen := map[filing.DocID]bool{}
		sc := bufio.NewScanner(bytes.NewReader(r.Body))
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			var h search.Hit
			if err := json.Unmarshal(sc.Bytes(), &h); err != nil || h.ID == "" {
				t.Fatalf("%s: line %q: %v", sort, sc.Text(), err)
			}
			if seen[h.ID] {
				t.Fatalf("%s: %s exported twice", sort, h.ID)
			}
			seen[h.ID] = true
		}
		if len(seen) != n {
			t.Errorf("%s: exported %d hits; want %d", sort, len(seen), n)
		}
	}
	if r := webtest.Get(t, srv.URL+"/api/v1/search/export?q=%22open"); r.Status != 400 {
		t.Errorf("a bad export query: status %d (%s); want 400", r.Status, r.Body)
	}
}

func TestAPIDocuments(t *testing.T) {
	x := openTemp(t)
	pdf, err := os.ReadFile("testdata/corpus/ca1-filing.txt") // any bytes: the store does not parse them
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := blob.NewDisk(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	sum, size, err := blob.Sum(bytes.NewReader(pdf))
	if err != nil {
		t.Fatal(err)
	}
	if err := blobs.Put(context.Background(), sum, bytes.NewReader(pdf)); err != nil {
		t.Fatal(err)
	}
	withPDF := caseDoc{ID: "ca1/20-1507/1/0", Court: "ca1", Docket: "20-1507", CaseName: "Calvary Chapel of Bangor v. Mills",
		Entry: 1, Filed: "2020-12-22", EntryDesc: "OPINION", TextFile: "ca1-filing.txt",
		Entities: []filing.Entity{{Type: filing.Person, Canonical: "Janet T. Mills", Mentions: []filing.Mention{{Text: "JANET T. MILLS", Page: 1}}}}}.text(t)
	withPDF.Document.Blob = &filing.BlobRef{SHA256: sum, Size: size, Name: "opinion.pdf"}
	noPDF := caseDoc{ID: "cl:rd:1", Court: "ca1", Pages: []string{"announced in a feed"}}.text(t)
	indexTexts(t, x, []filing.Text{withPDF, noPDF})
	srv := apiStack(t, x, blobs)
	base := srv.URL + "/api/v1/documents/"

	r := webtest.Get(t, base+"ca1/20-1507/1/0")
	var rec search.Record
	if r.Status != 200 || json.Unmarshal(r.Body, &rec) != nil {
		t.Fatalf("document: %d %s", r.Status, r.Body)
	}
	if rec.Document.Docket.CaseName != withPDF.Document.Docket.CaseName || rec.PageCount != len(withPDF.Pages) ||
		rec.DocType != "opinion" || len(rec.Entities) != 1 || rec.Entities[0].Mentions != nil || rec.Pages != nil {
		t.Errorf("document: %+v", rec)
	}
	r = webtest.Get(t, base+"ca1/20-1507/1/0/text")
	var want []string
	for _, p := range withPDF.Pages {
		want = append(want, p.Text)
	}
	if r.Status != 200 || string(r.Body) != strings.Join(want, "\f") {
		t.Errorf("text: %d, %d bytes; want the %d pages joined by form feeds", r.Status, len(r.Body), len(want))
	}
	r = webtest.Get(t, base+"ca1/20-1507/1/0/text?page=7")
	if r.Status != 200 || string(r.Body) != withPDF.Pages[6].Text {
		t.Errorf("page 7: %d %.100q", r.Status, r.Body)
	}
	r = webtest.Get(t, base+"ca1/20-1507/1/0/pdf")
	if r.Status != 200 || !bytes.Equal(r.Body, pdf) || r.Header.Get("Content-Type") != "application/pdf" {
		t.Errorf("pdf: %d, %d bytes, %s", r.Status, len(r.Body), r.Header.Get("Content-Type"))
	}
	for _, tt := range []struct {
		path string
		want int
	}{
		{"cl:rd:1/pdf", 404},
		{"cl:rd:2", 404},
		{"ca1/20-1507/1/0/text?page=99", 404},
		{"ca1/20-1507/1/0/text?page=x", 400},
	} {
		if r := webtest.Get(t, base+tt.path); r.Status != tt.want {
			t.Errorf("%s: %d %s; want %d", tt.path, r.Status, r.Body, tt.want)
		}
	}
}

// TestServiceIndexesInOrderAndAnnounces runs the stage on JetStream: a newer version
// replaces an older one, an older one arriving late never replaces a newer one, a
// redelivered version changes nothing, and INDEXED follows each commit.
func TestServiceIndexesInOrderAndAnnounces(t *testing.T) {
	js := bustest.Start(t)
	x := openTemp(t)
	runtest.Go(t, stage(Config{MaxDocs: 2}, js, x, slog.New(slog.DiscardHandler)).Run)

	publish := func(version int64, body string) {
		tx := caseDoc{ID: "cand/3:20-cv-08570/736/12", Court: "cand", Pages: []string{body}, Version: version}.text(t)
		data, _ := json.Marshal(tx)
		if _, err := js.Publish(context.Background(), "texts.cand", data); err != nil {
			t.Fatal(err)
		}
	}
	waitFor := func(q string, want uint64) {
		t.Helper()
		poll.UntilGot(t, 10*time.Second, fmt.Sprintf("%s: %d hits", q, want), func() (bool, string) {
			res, err := x.Search(context.Background(), search.Query{Q: q})
			if err != nil {
				t.Fatal(err)
			}
			return res.Total == want, fmt.Sprint(res.Total)
		})
	}
	publish(2, "second version mentions arbitration")
	waitFor("arbitration", 1)
	publish(1, "first version mentions injunction") // late and older
	publish(3, "third version mentions sanctions")
	waitFor("sanctions", 1)
	waitFor("injunction", 0)
	waitFor("arbitration", 0)
	publish(3, "third version mentions sanctions") // redelivered
	time.Sleep(100 * time.Millisecond)

	cons, err := js.OrderedConsumer(context.Background(), bus.Indexed, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var versions []int64
	for {
		m, err := cons.Next(jetstream.FetchMaxWait(500 * time.Millisecond))
		if err != nil {
			break
		}
		var ix filing.Indexed
		if err := json.Unmarshal(m.Data(), &ix); err != nil {
			t.Fatal(err)
		}
		versions = append(versions, ix.Version)
	}
	// Version 3 is announced once: its redelivery carries the same message id.
	if len(versions) != 2 || versions[0] != 2 || versions[1] != 3 {
		t.Errorf("INDEXED versions %v; want [2 3]", versions)
	}
}

// TestAPIDidYouMean: a query that finds nothing answers with the index's own words near
// the typo, through the API and the search fan-out.
func TestAPIDidYouMean(t *testing.T) {
	x := openTemp(t)
	if err := x.write([]entry{
		{text: textOf("cand/3:20-cv-08570/1/0", 1, "Netflix moved to dismiss the complaint.")},
		{text: textOf("cand/3:20-cv-08570/2/0", 1, "The opposition of Netflix, Inc. is due in May.")},
	}, time.Now()); err != nil {
		t.Fatal(err)
	}
	srv := apiStack(t, x, nil)
	for q, want := range map[string]string{"Netflx": "netflix", "Netflx opposition": "netflix opposition", "Netflix": "", "zzyzx": ""} {
		r := webtest.Get(t, srv.URL+"/api/v1/search?"+url.Values{"q": {q}}.Encode())
		var res search.Result
		if err := json.Unmarshal(r.Body, &res); r.Status != 200 || err != nil {
			t.Fatalf("%s: %d %s", q, r.Status, r.Body)
		}
		if res.DidYouMean != want {
			t.Errorf("%s: did_you_mean %q (%s); want %q", q, res.DidYouMean, r.Body, want)
		}
		if want != "" && (len(res.Suggestions) == 0 || res.Suggestions[0].Term != "netflix" || res.Suggestions[0].Docs != 2) {
			t.Errorf("%s: suggestions %+v; want netflix in 2 documents first", q, res.Suggestions)
		}
	}
}

// remoteSearcher serves x's searches over NATS server e, with concurrency answers at
// once, and returns the client side, as the API of `docketwatch run` asks the index.
func remoteSearcher(t testing.TB, e *bus.Embedded, x *Index, concurrency int) *search.Remote {
	t.Helper()
	serverNC, _ := bustest.Client(t, e, "index")
	clientNC, _ := bustest.Client(t, e, "api")
	if _, err := search.Serve(serverNC, bus.SearchSubject, x, concurrency, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	return search.NewRemote(clientNC, bus.SearchSubject)
}
