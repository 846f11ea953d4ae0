package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/blob"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/poll"
	"github.com/docketwatch/docketwatch/pkg/search"
	"github.com/docketwatch/docketwatch/pkg/testpdf"
	"github.com/docketwatch/docketwatch/pkg/webtest"
	"github.com/docketwatch/docketwatch/services/alerter"
	"github.com/docketwatch/docketwatch/services/api"
	"github.com/docketwatch/docketwatch/services/docketwatch/ingest"
	"github.com/docketwatch/docketwatch/services/docketwatch/node"
	"github.com/docketwatch/docketwatch/services/extractor"
	"github.com/docketwatch/docketwatch/services/extractor/worker"
)

// TestMain lets the test binary stand in for the docketwatch binary: as the extraction
// child of the in-process pipeline, and as a whole docketwatch when a test starts it
// with DOCKETWATCH_TEST_MAIN=1.
func TestMain(m *testing.M) {
	worker.ServeIfChild(extractor.ExtractPDF)
	if os.Getenv("DOCKETWATCH_TEST_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func startNode(t *testing.T, data, httpAddr string) *node.Node {
	t.Helper()
	n, err := node.Start(context.Background(), node.Config{DataDir: data,
		Alerter: alerter.Config{WebhookAllowPrivate: true}, // the tests' receivers are on loopback
		API:     api.Config{HTTP: httpAddr, Policy: api.Policy{PublicReads: true, Token: "test-token", Rate: -1}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	return n
}

func ingestPaths(t *testing.T, n *node.Node, paths ...string) *ingest.Summary {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sum, err := ingest.Run(ctx, ingest.Deps{JS: n.JS, Blobs: n.Blobs, Searcher: n.Searcher}, paths)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

func fileID(t *testing.T, path string) filing.DocID {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sum, _, err := blob.Sum(f)
	if err != nil {
		t.Fatal(err)
	}
	return filing.SourceDocID("sha256", sum)
}

func statusOf(sum *ingest.Summary) map[string]ingest.File {
	out := map[string]ingest.File{}
	for _, f := range sum.Files {
		out[filepath.Base(f.Path)] = f
	}
	return out
}

// TestIngestSearchRestart is the walking skeleton end to end on real filings: ingest,
// phrase search on the right page, duplicates, bad files parked, and a restart.
func TestIngestSearchRestart(t *testing.T) {
	data := t.TempDir()
	in := t.TempDir()
	for _, name := range []string{"ca1_00117684624.pdf", "ca7_3.pdf", "ca2_1-1.pdf", "empty.pdf"} {
		copyFile(t, filepath.Join("testdata", name), filepath.Join(in, name))
	}
	copyFile(t, filepath.Join("testdata", "ca7_3.pdf"), filepath.Join(in, "same-order-renamed.pdf"))
	writeFile(t, filepath.Join(in, "junk.pdf"), []byte("<html>404 Not Found</html>"))
	truncated, _ := os.ReadFile(filepath.Join("testdata", "ca2_1-1.pdf"))
	writeFile(t, filepath.Join(in, "truncated.pdf"), truncated[:len(truncated)/3])

	n := startNode(t, data, "127.0.0.1:0")
	sum := ingestPaths(t, n, in)
	st := statusOf(sum)
	for name, want := range map[string]ingest.Status{
		"ca1_00117684624.pdf": ingest.Indexed, "ca7_3.pdf": ingest.Indexed, "ca2_1-1.pdf": ingest.Indexed,
		"same-order-renamed.pdf": ingest.Duplicate,
		"empty.pdf":              ingest.Parked, "junk.pdf": ingest.Parked,
	} {
		if got := st[name]; got.Status != want {
			t.Errorf("%s: %s (%s); want %s", name, got.Status, got.Reason, want)
		}
	}
	if r := st["empty.pdf"].Reason; !strings.Contains(r, "pdf") {
		t.Errorf("empty.pdf parked with reason %q; want one that says what is wrong", r)
	}
	// A truncated PDF may yield the pages before the cut or be parked; it is never lost.
	if s := st["truncated.pdf"].Status; s != ingest.Indexed && s != ingest.Parked {
		t.Errorf("truncated.pdf: %s; want indexed or parked", s)
	}
	if st["ca1_00117684624.pdf"].Pages != 17 {
		t.Errorf("ca1 indexed with %d pages; want 17", st["ca1_00117684624.pdf"].Pages)
	}

	opinion := fileID(t, filepath.Join("testdata", "ca1_00117684624.pdf"))
	check := func(label string, s search.Searcher) {
		t.Helper()
		for _, tc := range []struct {
			q    string
			page int
		}{{`"devoir of persuasion"`, 9}, {`"tripartite inquiry"`, 12}} {
			res, err := s.Search(context.Background(), search.Query{Q: tc.q})
			if err != nil {
				t.Fatalf("%s: %s: %v", label, tc.q, err)
			}
			if res.Total != 1 || res.Hits[0].ID != opinion || res.Hits[0].Page != tc.page {
				t.Fatalf("%s: %s: got %+v; want %s on page %d", label, tc.q, res.Hits, opinion, tc.page)
			}
			if !strings.Contains(res.Hits[0].Snippet, "<mark>") {
				t.Errorf("%s: snippet %q marks nothing", label, res.Hits[0].Snippet)
			}
		}
	}
	check("first run", n.Searcher)

	// The ECF stamp's docket number reached the document's metadata.
	res, err := n.Searcher.Search(context.Background(), search.Query{IDs: []filing.DocID{opinion}})
	if err != nil || len(res.Hits) != 1 || res.Hits[0].Docket != "20-1507" {
		t.Errorf("opinion metadata: %+v, %v; want docket 20-1507 from its stamp", res, err)
	}

	// Over HTTP: the same answer, and a bad query is a 400 that says where.
	var body search.Result
	getJSON(t, n.HTTPURL+`/api/v1/search?q=%22devoir+of+persuasion%22`, http.StatusOK, &body)
	if body.Total != 1 || body.Hits[0].Page != 9 {
		t.Errorf("http search: %+v", body)
	}
	var bad struct {
		Error struct {
			Message  string `json:"message"`
			Position *int   `json:"position"`
		} `json:"error"`
	}
	getJSON(t, n.HTTPURL+`/api/v1/search?q=%22unclosed`, http.StatusBadRequest, &bad)
	if bad.Error.Message == "" || bad.Error.Position == nil || *bad.Error.Position != 0 {
		t.Errorf("bad query answer: %+v", bad)
	}

	// What the documents say of themselves is searchable and faceted over HTTP: court,
	// case name and type read from the captions and title blocks of the real PDFs.
	order := fileID(t, filepath.Join("testdata", "ca7_3.pdf"))
	for _, tc := range []struct {
		q         string
		id        filing.DocID
		title     string
		courtName string
	}{
		{"court:ca1", opinion, "Calvary Chapel of Bangor v. Mills · 20-1507 (1st Cir.) · Opinion", "Court of Appeals for the First Circuit"},
		{`case:"Fedex Ground"`, order, "In re Fedex Ground Package System, Inc. Employment Practices Litigation · 17-2400 (7th Cir.) · DktEntry 3 · Order", "Court of Appeals for the Seventh Circuit"},
		{"type:order", order, "", ""},
	} {
		var res search.Result
		getJSON(t, n.HTTPURL+"/api/v1/search?facets=court&q="+url.QueryEscape(tc.q), http.StatusOK, &res)
		if res.Total != 1 || res.Hits[0].ID != tc.id {
			t.Errorf("%s: got %+v; want %s alone", tc.q, res.Hits, tc.id)
			continue
		}
		if h := res.Hits[0]; tc.title != "" && (h.Title != tc.title || h.CourtName != tc.courtName) {
			t.Errorf("%s: titled %q at %q; want %q at %q", tc.q, h.Title, h.CourtName, tc.title, tc.courtName)
		}
		if f := res.Facets["court"]; len(f.Terms) != 1 || f.Terms[0].Label == "" || f.Terms[0].Label == f.Terms[0].Term {
			t.Errorf("%s: court facet %+v; want the court by its name", tc.q, f)
		}
	}

	// The document, its text and its PDF are served.
	pdf := webtest.Get(t, n.HTTPURL+"/api/v1/documents/"+url.PathEscape(string(opinion))+"/pdf")
	orig, _ := os.ReadFile(filepath.Join("testdata", "ca1_00117684624.pdf"))
	if pdf.Status != http.StatusOK || string(pdf.Body) != string(orig) {
		t.Errorf("GET pdf: %d, %d bytes; want the %d bytes ingested", pdf.Status, len(pdf.Body), len(orig))
	}

	// The metrics say what happened: extractions acknowledged and parked, index batches
	// acknowledged (once on disk: a moment after the documents are searchable), the DEAD
	// stream, the consumers' backlog, the index size.
	var metrics []byte
	poll.Until(t, 10*time.Second, "/metrics counting the indexer's batches", func() bool {
		metrics = webtest.Get(t, n.HTTPURL+"/metrics").Body
		return strings.Contains(string(metrics), `stage="indexer"`)
	})
	for _, want := range []string{
		`docketwatch_stage_messages_total{outcome="ack",stage="extractor"}`,
		`docketwatch_stage_messages_total{outcome="parked",stage="extractor"}`,
		`docketwatch_stage_messages_total{outcome="ack",stage="indexer"}`,
		`docketwatch_stage_processing_seconds_count{stage="indexer"}`,
		`docketwatch_stream_messages{stream="DEAD"}`,
		`docketwatch_consumer_pending_messages{consumer="extractor",stream="FILINGS"} 0`,
		`docketwatch_index_documents`,
	} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	// The same files again change nothing.
	again := statusOf(ingestPaths(t, n, in))
	for name, want := range map[string]ingest.Status{
		"ca1_00117684624.pdf": ingest.Duplicate, "same-order-renamed.pdf": ingest.Duplicate, "empty.pdf": ingest.Parked,
	} {
		if got := again[name]; got.Status != want {
			t.Errorf("second ingest %s: %s; want %s", name, got.Status, want)
		}
	}
	total := func(s search.Searcher) uint64 {
		res, err := s.Search(context.Background(), search.Query{})
		if err != nil {
			t.Fatal(err)
		}
		return res.Total
	}
	before := total(n.Searcher)

	// Restart on the same data directory: everything is still there.
	n.Close()
	n2 := startNode(t, data, "")
	check("after restart", n2.Searcher)
	if after := total(n2.Searcher); after != before {
		t.Errorf("after restart %d documents; before %d", after, before)
	}
	if st := statusOf(ingestPaths(t, n2, filepath.Join(in, "empty.pdf"))); st["empty.pdf"].Status != ingest.Parked {
		t.Errorf("after restart, empty.pdf is %s; want still parked", st["empty.pdf"].Status)
	}
}

// TestKillDuringIngest kills a real docketwatch process in the middle of an ingest of many
// files and runs the ingest again: every file ends indexed exactly once.
func TestKillDuringIngest(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	data, in := t.TempDir(), t.TempDir()
	const files = 120
	var ids []filing.DocID
	for i := range files {
		path := filepath.Join(in, fmt.Sprintf("filing-%03d.pdf", i))
		writeFile(t, path, testpdf.New(
			fmt.Sprintf("UNITED STATES DISTRICT COURT\nOrder number %d on the motion to compel", i),
			fmt.Sprintf("Page two of order %d: the deposition of witness %d is scheduled.", i, i)))
		ids = append(ids, fileID(t, path))
	}

	cmd := docketwatch(t, "ingest", "-v", "--data", data, in)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	indexed := 0
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "indexed:") {
			if indexed++; indexed == files/4 {
				break
			}
		}
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if indexed < files/4 {
		t.Fatalf("the first ingest ended after %d files, before it could be killed", indexed)
	}
	t.Logf("killed after %d of %d files were indexed", indexed, files)

	var sum ingest.Summary
	out, err := docketwatch(t, "ingest", "--json", "--data", data, in).Output()
	if err != nil {
		t.Fatalf("second ingest: %v", err)
	}
	if err := json.Unmarshal(out, &sum); err != nil {
		t.Fatalf("second ingest printed %q: %v", out, err)
	}
	if got := sum.Count[ingest.Indexed] + sum.Count[ingest.Duplicate]; got != files || len(sum.Files) != files {
		t.Fatalf("second ingest: %v over %d files; want all %d indexed or duplicate", sum.Count, len(sum.Files), files)
	}
	t.Logf("second ingest: %v", sum.Count)

	n := startNode(t, data, "")
	res, err := n.Searcher.Search(context.Background(), search.Query{Limit: search.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != files {
		t.Errorf("index holds %d documents; want %d", res.Total, files)
	}
	got := map[filing.DocID]int{}
	for _, h := range res.Hits {
		got[h.ID]++
	}
	for _, id := range ids {
		if got[id] != 1 {
			t.Errorf("%s is in the index %d times", id, got[id])
		}
	}
	res, err = n.Searcher.Search(context.Background(), search.Query{Q: `"deposition of witness 77"`})
	if err != nil || res.Total != 1 || res.Hits[0].Page != 2 {
		t.Errorf("phrase on page 2 of file 77: %+v, %v", res, err)
	}
}

// TestRunServesOtherVerbs starts `docketwatch run` as a child, hands it an ingest and a
// search from separate processes, and stops it with an interrupt.
func TestRunServesOtherVerbs(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	t.Setenv("DOCKETWATCH_WEBHOOK_ALLOW_PRIVATE", "1") // the webhook receiver is on loopback
	hooks := make(chan []byte, 10)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		hooks <- body
	}))
	defer receiver.Close()
	data := t.TempDir()
	run := docketwatch(t, "run", "--data", data, "--http", "127.0.0.1:0")
	url := serveRun(t, run, nil)

	if out, err := docketwatch(t, "ingest", "--data", data, filepath.Join("testdata", "ca7_3.pdf")).CombinedOutput(); err != nil ||
		!strings.Contains(string(out), "1 indexed") {
		t.Fatalf("ingest handed to run: %v: %s", err, out)
	}
	out, err := docketwatch(t, "search", "--json", "--data", data, "FEDEX").Output()
	var res search.Result
	if err != nil || json.Unmarshal(out, &res) != nil || res.Total != 1 || res.Hits[0].Page != 1 {
		t.Fatalf("search through run: %v: %s", err, out)
	}
	if out, err := docketwatch(t, "search", "--export", "--data", data, "fedex OR appeal").Output(); err != nil ||
		strings.Count(string(out), "\n") != 1 || !strings.Contains(string(out), `"id":"sha256:`) {
		t.Errorf("search --export: %v: %q; want one JSON line", err, out)
	}
	// The human output names each hit by its title with its id small beside it, and
	// the court facet by the court's name.
	if out, err := docketwatch(t, "search", "--data", data, "--facets", "court", "type:order").Output(); err != nil ||
		!strings.Contains(string(out), "In re Fedex Ground Package System, Inc. Employment Practices Litigation · 17-2400 (7th Cir.) · DktEntry 3 · Order") ||
		!strings.Contains(string(out), "Court of Appeals for the Seventh Circuit [ca7] (1)") || !strings.Contains(string(out), "sha256:") {
		t.Errorf("search type:order: %v: %s; want the order by its title and id, its court by name", err, out)
	}
	var body search.Result
	getJSON(t, url+"/api/v1/search?q=fedex", http.StatusOK, &body)
	if body.Total != 1 {
		t.Errorf("http search: %+v", body)
	}
	if out, err := docketwatch(t, "search", "--data", data, "court:(").CombinedOutput(); err == nil ||
		!strings.Contains(string(out), "unbalanced") {
		t.Errorf("a malformed query: err %v, output %q; want a failure that says what is wrong", err, out)
	}

	// An alert rule added from the CLI fires once, by webhook, for a new exhibit that
	// matches, with its page.
	if out, err := docketwatch(t, "alerts", "add", "--data", data, "--name", "parcels", "--query", `"ground package"`,
		"--exhibits-only", "--webhook", receiver.URL, "--secret", "s3cret").CombinedOutput(); err != nil {
		t.Fatalf("alerts add: %v: %s", err, out)
	}
	exhibit := filepath.Join(t.TempDir(), "exhibit.pdf")
	writeFile(t, exhibit, testpdf.New("EXHIBIT 4", "The ground package carrier classified its drivers as contractors."))
	if out, err := docketwatch(t, "ingest", "--data", data, exhibit).CombinedOutput(); err != nil {
		t.Fatalf("ingest exhibit: %v: %s", err, out)
	}
	select {
	case body := <-hooks:
		if !strings.Contains(string(body), `"page":2`) || !strings.Contains(string(body), "parcels") {
			t.Errorf("webhook body %s lacks the rule or the page", body)
		}
		// The payload names the document by its title: its file name and what it is.
		if !strings.Contains(string(body), `"title":"exhibit.pdf · Exhibit 4"`) {
			t.Errorf("webhook body %s does not name the exhibit by its title", body)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no webhook within 30s of indexing a matching exhibit")
	}

	// A re-extraction job runs in the serving process and is followed to its end; the
	// document is still found once.
	if out, err := docketwatch(t, "reextract", "--data", data).CombinedOutput(); err != nil || !strings.Contains(string(out), " done: ") {
		t.Fatalf("reextract: %v: %s", err, out)
	}
	out, err = docketwatch(t, "jobs", "list", "--json", "--data", data).Output()
	if err != nil || strings.Count(string(out), `"state":"done"`) != 1 {
		t.Fatalf("jobs list: %v: %s", err, out)
	}
	getJSON(t, url+"/api/v1/search?q=fedex", http.StatusOK, &body)
	if body.Total != 1 {
		t.Errorf("after re-extraction, http search finds %d", body.Total)
	}
	// The re-extracted version carries the metadata the extractor reads.
	getJSON(t, url+"/api/v1/search?q=type%3Aorder+%2Bcourt%3Aca7", http.StatusOK, &body)
	if body.Total != 1 || !strings.HasSuffix(body.Hits[0].Title, "(7th Cir.) · DktEntry 3 · Order") {
		t.Errorf("after re-extraction, type:order +court:ca7 finds %+v; want the order, titled", body.Hits)
	}
	// Re-extracting the exhibit re-indexed it: the rule does not fire again.
	select {
	case body := <-hooks:
		t.Errorf("a second webhook after re-extraction: %s", body)
	case <-time.After(2 * time.Second):
	}

	// A re-index rebuilds the index in the serving process and swaps it in: the
	// documents are all still found.
	if out, err := docketwatch(t, "reindex", "--data", data).CombinedOutput(); err != nil || !strings.Contains(string(out), " done: ") {
		t.Fatalf("reindex: %v: %s", err, out)
	}
	getJSON(t, url+"/api/v1/search?q=fedex", http.StatusOK, &body)
	if body.Total != 1 {
		t.Errorf("after the re-index, http search finds %d", body.Total)
	}

	// A bad file is parked, listed with its reason, and a retry parks it again (still bad).
	junk := filepath.Join(t.TempDir(), "junk.pdf")
	writeFile(t, junk, []byte("%PDF-1.4 this is not really a pdf"))
	// A parked file makes ingest exit 3: a script tells it from success and from failure.
	if out, err := docketwatch(t, "ingest", "--data", data, junk).CombinedOutput(); exitCode(err) != exitNotIndexed || !strings.Contains(string(out), "1 parked") {
		t.Fatalf("ingest of junk: %v: %s; want exit status %d", err, out, exitNotIndexed)
	}
	listParked := func() []map[string]any {
		t.Helper()
		out, err := docketwatch(t, "dead", "list", "--json", "--data", data).Output()
		if err != nil {
			t.Fatalf("dead list: %v", err)
		}
		var list []map[string]any
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			var m map[string]any
			if json.Unmarshal([]byte(line), &m) == nil {
				list = append(list, m)
			}
		}
		return list
	}
	parked := listParked()
	if len(parked) != 1 || parked[0]["stage"] != "extractor" || !strings.Contains(fmt.Sprint(parked[0]["reason"]), "pdf") {
		t.Fatalf("dead list: %v; want the junk file parked by the extractor with its reason", parked)
	}
	// The list names the file, and neither it nor show cuts the reason.
	if parked[0]["source"] != "junk.pdf" {
		t.Errorf("dead list --json: source %v; want junk.pdf", parked[0]["source"])
	}
	reason := strings.Join(strings.Fields(fmt.Sprint(parked[0]["reason"])), " ")
	seq := fmt.Sprint(parked[0]["seq"])
	for _, args := range [][]string{{"dead", "list"}, {"dead", "show", seq}} {
		out, err := docketwatch(t, append(args, "--data", data)...).Output()
		if err != nil || !strings.Contains(string(out), "junk.pdf") || !strings.Contains(strings.Join(strings.Fields(string(out)), " "), reason) {
			t.Errorf("%s: %v; want the file name and the whole reason %q:\n%s", args, err, reason, out)
		}
	}
	if parked[0]["title"] != "junk.pdf" {
		t.Errorf("dead list names the junk file %q; want its file name", parked[0]["title"])
	}
	if out, err := docketwatch(t, "dead", "retry", "--all", "--data", data).CombinedOutput(); err != nil {
		t.Fatalf("dead retry: %v: %s", err, out)
	}
	poll.UntilGot(t, 20*time.Second, "the retried file parked again under a new sequence", func() (bool, string) {
		again := listParked()
		return len(again) == 1 && again[0]["seq"] != parked[0]["seq"], fmt.Sprint(again)
	})

	run.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- run.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run did not exit cleanly on interrupt: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run did not stop within 30s of an interrupt")
	}
	if _, err := os.Stat(filepath.Join(data, "owner.json")); !os.IsNotExist(err) {
		t.Errorf("owner file left behind after a clean stop: %v", err)
	}
}

// docketwatch is the command running this test binary as docketwatch (TestMain) with args.
func docketwatch(t testing.TB, args ...string) *exec.Cmd {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, args...)
	cmd.Env = append(os.Environ(), "DOCKETWATCH_TEST_MAIN=1")
	return cmd
}

// getWant GETs url (webtest.Get) and returns the body; it fails the test unless the
// answer has status want.
func getWant(t testing.TB, url string, want int) []byte {
	t.Helper()
	r := webtest.Get(t, url)
	if r.Status != want {
		t.Fatalf("GET %s: %d; want %d: %s", url, r.Status, want, r.Body)
	}
	return r.Body
}

// getJSON is getWant with the body decoded into v.
func getJSON(t testing.TB, url string, want int, v any) {
	t.Helper()
	if err := json.Unmarshal(getWant(t, url, want), v); err != nil {
		t.Fatalf("GET %s: decoding: %v", url, err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, to, data)
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestExtractCommand runs `docketwatch extract --json` on real filings: pages with their
// engine, the exhibit cover, entities with offsets, and an alias file applied.
func TestExtractCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	aliases := filepath.Join(t.TempDir(), "aliases.yaml")
	writeFile(t, aliases, []byte("Brightwater Group: [\"Brightwater Holdings\"]\n"))
	exhibit := filepath.Join(t.TempDir(), "exhibit.pdf")
	writeFile(t, exhibit, testpdf.New("EXHIBIT 12", "Email from Reed Hastings of Netflix, Inc. about the Inbox API. Brightwater Holdings LLC replied."))
	out, err := docketwatch(t, "extract", "--json", "--aliases", aliases, filepath.Join("testdata", "ca7_3.pdf"), exhibit).Output()
	if err != nil {
		t.Fatalf("extract: %v: %s", err, out)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	var order, ex extractOutput
	if err := dec.Decode(&order); err != nil {
		t.Fatal(err)
	}
	if err := dec.Decode(&ex); err != nil {
		t.Fatal(err)
	}
	if len(order.Pages) != 1 || order.Pages[0].Engine == "" || order.Pages[0].OCR || order.Docket != "17-2400" || order.IsExhibit {
		t.Errorf("ca7_3: %d pages, engine %q, ocr %v, docket %q, exhibit %v", len(order.Pages), order.Pages[0].Engine, order.Pages[0].OCR, order.Docket, order.IsExhibit)
	}
	if !ex.IsExhibit || ex.ExhibitLabel != "Exhibit 12" {
		t.Errorf("exhibit cover not recognised: %v %q", ex.IsExhibit, ex.ExhibitLabel)
	}
	// The metadata a researcher cites, each value with where it was read.
	m := order.Metadata
	if m.Court != "ca7" || m.Docket != "17-2400" || m.Entry != 3 || m.Type != filing.TypeOrder ||
		m.Origins["court"] != filing.FromCaption || m.Origins["docket"] != filing.FromStamp || m.Origins["type"] != filing.FromTitleBlock ||
		!strings.HasPrefix(m.CaseName, "In re Fedex Ground Package System") {
		t.Errorf("ca7_3 metadata = %+v", m)
	}
	if ex.Metadata.Type != filing.TypeExhibit || !strings.Contains(order.Engine, "meta/") {
		t.Errorf("exhibit type %q, engine %q", ex.Metadata.Type, order.Engine)
	}
	found := map[string]bool{}
	for _, doc := range []extractOutput{order, ex} {
		for _, e := range doc.Entities {
			page := doc.Pages[e.Page-1].Text
			if page[e.Start:e.End] != e.Text {
				t.Errorf("%s: entity %q at [%d,%d) of page %d reads %q", doc.File, e.Text, e.Start, e.End, e.Page, page[e.Start:e.End])
			}
			found[string(e.Type)+":"+e.Canonical] = true
		}
	}
	for _, want := range []string{"person:Reed Hastings", "organization:Brightwater Group", "organization:Netflix, Inc."} {
		if !found[want] {
			t.Errorf("entities lack %s; found %v", want, found)
		}
	}
}

// exitCode is the exit status of a finished command's error (0 for nil, -1 when it did
// not run to an exit).
func exitCode(err error) int {
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	}
	return -1
}
