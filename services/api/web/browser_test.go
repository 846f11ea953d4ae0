package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/docketwatch/docketwatch/pkg/alert"
	"github.com/docketwatch/docketwatch/pkg/alert/alerttest"
	"github.com/docketwatch/docketwatch/pkg/blob"
	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/poll"
	"github.com/docketwatch/docketwatch/pkg/search"
	"github.com/docketwatch/docketwatch/pkg/testpdf"
	"github.com/docketwatch/docketwatch/pkg/webtest"
	"github.com/docketwatch/docketwatch/services/alerter"
	"github.com/docketwatch/docketwatch/services/alerter/email"
	"github.com/docketwatch/docketwatch/services/alerter/email/smtptest"
	"github.com/docketwatch/docketwatch/services/alerter/status"
	"github.com/docketwatch/docketwatch/services/api"
	"github.com/docketwatch/docketwatch/services/docketwatch/node"
	"github.com/docketwatch/docketwatch/services/extractor"
	"github.com/docketwatch/docketwatch/services/extractor/worker"
	"github.com/docketwatch/docketwatch/services/fetcher"
)

// TestMain lets the test binary serve as the extraction child of the pipeline.
func TestMain(m *testing.M) {
	worker.ServeIfChild(extractor.ExtractPDF)
	os.Exit(m.Run())
}

// chromium finds the browser, or skips the test saying how to get one.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("browser tests need Chromium: install the Debian package chromium (scripts/install-deps.sh test)")
	return ""
}

// artifacts is where screenshots go: $DOCKETWATCH_ARTIFACTS, or a folder under the
// system's temporary directory. They are for people to look at, never committed.
func artifacts(t *testing.T) string {
	dir := os.Getenv("DOCKETWATCH_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "docketwatch-web-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// env is a real docketwatch pipeline (embedded JetStream, extractor with its child
// processes, bleve indexer, alerter) behind the API and the web UI on a loopback port.
type env struct {
	n *node.Node
	// smtp is the relay of the alerter's email channel.
	smtp  *smtptest.Server
	url   string
	pub   *fetcher.Publisher
	today time.Time
}

func startEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	// Every role but the fetcher, wired as `docketwatch run` wires them; the test
	// publishes what a fetcher would. Alerts are mailed through a relay on loopback, and
	// webhooks may reach receivers there.
	relay := smtptest.Start(t, "")
	host, port, _ := net.SplitHostPort(relay.Addr())
	portN, _ := strconv.Atoi(port)
	n, err := node.Start(ctx, node.Config{DataDir: t.TempDir(),
		Roles: []string{node.RoleIndexer, node.RoleExtractor, node.RoleAlerter, node.RoleAPI},
		Alerter: alerter.Config{WebhookAllowPrivate: true, SMTP: email.Config{Host: host, Port: portN, TLS: email.NoTLS,
			From: "alerts@docketwatch.test", Policy: status.Policy{Backoff: bus.ExponentialBackoff(time.Second, 4*time.Second)}}},
		API: api.Config{HTTP: "127.0.0.1:0", Policy: api.Policy{Token: browserToken, PublicReads: true, Rate: -1}},
		Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	pub, err := fetcher.NewPublisher(ctx, n.JS)
	if err != nil {
		t.Fatal(err)
	}
	return &env{n: n, smtp: relay, url: n.HTTPURL, pub: pub, today: time.Now().UTC().Truncate(24 * time.Hour)}
}

// filingDoc is a filing as a source announces it, with the pages of its PDF.
type filingDoc struct {
	court, docket, caseName string
	entry, attachment       int
	entryDesc, attDesc      string
	filedDaysAgo            int
	pages                   []string
	// withholdPDF publishes the filing before its PDF is in the blob store, which the
	// extractor parks: the PDF is returned for the test to store later.
	withholdPDF bool
}

// publish stores the PDF and publishes the filing, as a fetcher does.
func (e *env) publish(t *testing.T, f filingDoc) (filing.DocID, []byte) {
	t.Helper()
	ctx := context.Background()
	pdf := testpdf.New(f.pages...)
	sum, _, err := blob.Sum(bytes.NewReader(pdf))
	if err != nil {
		t.Fatal(err)
	}
	if !f.withholdPDF {
		if err := e.n.Blobs.Put(ctx, sum, bytes.NewReader(pdf)); err != nil {
			t.Fatal(err)
		}
	}
	doc := filing.Document{
		Schema: filing.Schema, ID: filing.NewDocID(f.court, f.docket, f.entry, f.attachment), Source: "courtlistener",
		Docket:       filing.Docket{Court: f.court, Number: f.docket, CaseName: f.caseName},
		Entry:        filing.Entry{Number: f.entry, Filed: e.today.AddDate(0, 0, -f.filedDaysAgo), Description: f.entryDesc},
		Attachment:   f.attachment,
		Description:  f.attDesc,
		Blob:         &filing.BlobRef{SHA256: sum, Size: int64(len(pdf)), Name: fmt.Sprintf("%d-%d.pdf", f.entry, f.attachment)},
		DiscoveredAt: time.Now().UTC(),
	}
	if label, ok := filing.ExhibitLabel(f.attDesc); ok {
		doc.Exhibit, doc.ExhibitLabel = true, label
	}
	if _, err := e.pub.Publish(ctx, doc); err != nil {
		t.Fatal(err)
	}
	return doc.ID, pdf
}

// waitIndexed waits until search finds every one of ids.
func (e *env) waitIndexed(t *testing.T, ids ...filing.DocID) {
	t.Helper()
	poll.UntilGot(t, 30*time.Second, fmt.Sprintf("documents %v indexed", ids), func() (bool, string) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		res, err := e.n.Searcher.Search(ctx, search.Query{IDs: ids, Limit: len(ids), NoHighlight: true})
		if err != nil {
			return false, err.Error()
		}
		return res.Total == uint64(len(ids)), fmt.Sprintf("%d found", res.Total)
	})
}

// waitParked waits until DEAD holds a message about id and returns it.
func (e *env) waitParked(t *testing.T, id filing.DocID) bus.ParkedMsg {
	t.Helper()
	var parked bus.ParkedMsg
	poll.Until(t, 30*time.Second, fmt.Sprintf("%s parked", id), func() bool {
		msgs, err := bus.ListParked(context.Background(), e.n.JS, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			if m.ID == id {
				parked = m
				return true
			}
		}
		return false
	})
	return parked
}

// browser starts headless Chromium with the flags a root user in a container needs and
// a fresh profile, and returns a tab.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := chromium(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	ctx, cancelTime := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTime(); cancelTab(); cancelAlloc() })
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx
}

// stepTimeout bounds one browser step, so that a page that never shows what a step
// waits for fails that step rather than the whole run.
const stepTimeout = 15 * time.Second

func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// follow runs steps that leave the page (a click on a link or a submit button, Enter in
// a form) and returns once the next page has loaded. Waiting for an element instead can
// find it on the page being left, and reading it then fails with "Cannot find context
// with specified id" when that page goes.
func follow(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	if _, err := chromedp.RunResponse(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func run[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

func text(t *testing.T, ctx context.Context, css string) string {
	t.Helper()
	return run(t, ctx, "reading "+css, chromedp.Text(chromedp.CSS(css)))
}

// checkDeliveryPage opens the Alerts page at desktop and phone width and checks that the
// rule's delivery status of each channel says each of want[channel], that "Pending
// retries" appears only when wanted, and that the page fits the width; it saves a
// screenshot of each, named alert-delivery-STATE-desktop and -phone.
func checkDeliveryPage(t *testing.T, ctx context.Context, base, ruleID, state string, want map[string][]string) {
	t.Helper()
	for _, vp := range []struct {
		name  string
		width int
		set   chromedp.Action[chromedp.Void]
	}{
		{"desktop", 1280, chromedp.EmulateViewport(1280, 900)},
		{"phone", 390, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile)},
	} {
		do(t, ctx, vp.name+" alerts", vp.set, chromedp.Navigate(base+"/alerts"), chromedp.WaitVisible(chromedp.ID("delivery-"+ruleID)))
		for channel, wants := range want {
			got := text(t, ctx, "#delivery-"+ruleID+"-"+channel)
			pending := false
			for _, w := range wants {
				pending = pending || strings.Contains(w, "Pending retries")
				if !strings.Contains(got, w) {
					t.Errorf("%s, %s: %s status %q; want %q in it", state, vp.name, channel, got, w)
				}
			}
			if !pending && strings.Contains(got, "Pending retries") {
				t.Errorf("%s, %s: %s status %q speaks of pending retries", state, vp.name, channel, got)
			}
		}
		if w := run(t, ctx, "width", chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > vp.width {
			t.Errorf("%s, %s: the alerts page is %d px wide", state, vp.name, w)
		}
		do(t, ctx, "the status in view", chromedp.ScrollIntoView(chromedp.ID("delivery-"+ruleID)))
		shoot(t, ctx, "alert-delivery-"+state+"-"+vp.name)
	}
	do(t, ctx, "desktop again", chromedp.EmulateViewport(1280, 900))
}

func first[A, B any](a A, _ B) A { return a }

// shoot saves a full-page screenshot at the current viewport.
func shoot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	// A screenshot is for a person to look at, not an assertion: a slow one (a loaded CI
	// machine encoding a full-page PNG) is logged and the test goes on.
	sctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot %s not taken: %v", name, err)
		return
	}
	path := filepath.Join(artifacts(t), name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", path)
}

// The filings of the test: a case at one court with an exhibit and a motion that
// mention the word searched for, and a case at another court with an order that does.
var (
	exhibitC = filingDoc{court: "cand", docket: "3:21-cv-04417", caseName: "Harlow Systems, Inc. v. Brightline Networks LLC",
		entry: 88, attachment: 3, entryDesc: "DECLARATION of Maria Okafor in support of motion to compel", attDesc: "Exhibit C - meeting notes",
		filedDaysAgo: 3, pages: []string{
			"EXHIBIT C\nNotes of the meeting of the product teams, recorded by Maria Okafor.",
			"The parties discussed interoperability of the messaging service with third-party clients.\nBrightline Networks LLC declined to document the interface.",
			"Signed in San Francisco, California.",
		}}
	motion = filingDoc{court: "cand", docket: "3:21-cv-04417", caseName: "Harlow Systems, Inc. v. Brightline Networks LLC",
		entry: 91, entryDesc: "MOTION to compel production of interface documents", filedDaysAgo: 20, pages: []string{
			"Plaintiff Harlow Systems, Inc. moves to compel the documents about interoperability testing.",
		}}
	order = filingDoc{court: "nysd", docket: "1:23-cv-05521", caseName: "Pemberton v. Castellan Holdings Corp.",
		entry: 40, entryDesc: "ORDER granting motion to dismiss", filedDaysAgo: 10, pages: []string{
			"The Court finds that the interoperability claims against Castellan Holdings Corp. are not ripe.",
		}}
	// later arrives after the alert is saved, and matches it.
	later = filingDoc{court: "cand", docket: "3:21-cv-04417", caseName: "Harlow Systems, Inc. v. Brightline Networks LLC",
		entry: 95, attachment: 2, entryDesc: "DECLARATION of Maria Okafor", attDesc: "Exhibit B - email of the product lead",
		pages: []string{"Email: the interoperability roadmap slipped to the next quarter."}}
	// notice is parked (its PDF is not stored yet) and retried from the status page.
	notice = filingDoc{court: "nysd", docket: "1:23-cv-05521", caseName: "Pemberton v. Castellan Holdings Corp.",
		entry: 41, entryDesc: "NOTICE of appearance", filedDaysAgo: 9, withholdPDF: true,
		pages: []string{"Notice of appearance of counsel for the defendant."}}
)

// sealing arrives after the delivery status test's rule is saved, and matches it.
var sealing = filingDoc{court: "nysd", docket: "1:23-cv-05521", caseName: "Pemberton v. Castellan Holdings Corp.",
	entry: 44, entryDesc: "ORDER on the motion for sealing", filedDaysAgo: 1, pages: []string{
		"The motion for sealing of the settlement terms is granted in part.",
	}}

// archived was filed years ago: the Alert me preview reaches it over a range of years.
var archived = filingDoc{court: "dcd", docket: "1:19-cv-00321", caseName: "Ostrander v. Quill Freight Co.",
	entry: 12, entryDesc: "STIPULATION of dismissal", filedDaysAgo: 4 * 365, pages: []string{
		"The parties stipulate to the dismissal of the tariff claims with prejudice.",
	}}

// browserToken is the API token the browser signs in with.
const browserToken = "browser-test-token"

// TestBrowser walks the researcher's paths in headless Chromium against a real pipeline.
func TestBrowser(t *testing.T) {
	chromium(t)
	e := startEnv(t)
	idC, _ := e.publish(t, exhibitC)
	idM, _ := e.publish(t, motion)
	idO, _ := e.publish(t, order)
	idN, noticePDF := e.publish(t, notice)
	idA, _ := e.publish(t, archived)
	e.waitIndexed(t, idC, idM, idO, idA)
	e.waitParked(t, idN)
	ctx := browser(t)

	t.Run("sign in", func(t *testing.T) {
		// Without a session the rule list sends the reader to the sign-in page.
		do(t, ctx, "rules before signing in", chromedp.Navigate(e.url+"/alerts"), chromedp.WaitVisible(chromedp.ID("token")))
		do(t, ctx, "typing a wrong token", chromedp.SendKeys(chromedp.ID("token"), "not the token"))
		follow(t, ctx, "signing in with it", chromedp.Click(chromedp.ID("sign-in")))
		do(t, ctx, "the error", chromedp.WaitVisible(chromedp.ID("page-error")))
		if got := text(t, ctx, "#page-error"); !strings.Contains(got, "not this server's API token") {
			t.Fatalf("a wrong token says %q", got)
		}
		do(t, ctx, "signing in",
			chromedp.Navigate(e.url+"/login?next=%2Falerts"),
			chromedp.WaitVisible(chromedp.ID("token")),
			chromedp.SendKeys(chromedp.ID("token"), browserToken),
		)
		follow(t, ctx, "signing in", chromedp.Click(chromedp.ID("sign-in")))
		do(t, ctx, "signed in", chromedp.WaitVisible(chromedp.ID("sign-out")))
		if loc := run(t, ctx, "location", chromedp.Location()); !strings.HasSuffix(loc, "/alerts") {
			t.Fatalf("after signing in the browser is at %s; want back at /alerts", loc)
		}
	})

	t.Run("search, facet, document, alert", func(t *testing.T) {
		do(t, ctx, "searching",
			chromedp.Navigate(e.url+"/"),
			chromedp.SendKeys(chromedp.ID("q"), "interoperability"),
		)
		// The page searched from lists the newest filings under the same heading.
		follow(t, ctx, "submitting the search", chromedp.Click(chromedp.ID("search-button")))
		do(t, ctx, "results", chromedp.WaitVisible(chromedp.CSS("#results-h")))
		if got := text(t, ctx, "#results-h"); !strings.HasPrefix(got, "3 documents") {
			t.Fatalf("results heading %q; want 3 documents", got)
		}
		shoot(t, ctx, "search-laptop")
		// On a laptop the filters are shown, with no "Filters" toggle in the way.
		if shown := run(t, ctx, "filters shown", chromedp.Evaluate[bool](`!!document.getElementById("court").offsetParent && !document.getElementById("filter-summary").offsetParent`)); !shown {
			t.Error("on a laptop the filters are folded away or the toggle shows")
		}
		// Each hit is named as a researcher cites it, its id shown small beside.
		titles := run(t, ctx, "hit titles", chromedp.Evaluate[[]string](`[...document.querySelectorAll(".hits h3")].map(h => h.textContent.trim())`))
		for _, want := range []string{
			"Harlow Systems, Inc. v. Brightline Networks LLC · 3:21-cv-04417 (N.D. Cal.) · ECF No. 88-3 · Exhibit C",
			"Harlow Systems, Inc. v. Brightline Networks LLC · 3:21-cv-04417 (N.D. Cal.) · ECF No. 91 · Motion",
			"Pemberton v. Castellan Holdings Corp. · 1:23-cv-05521 (S.D.N.Y.) · ECF No. 40 · Order",
		} {
			if !slices.Contains(titles, want) {
				t.Errorf("hit titles %q lack %q", titles, want)
			}
		}
		if ids := run(t, ctx, "hit ids", chromedp.Evaluate[[]string](`[...document.querySelectorAll(".hits .docid")].map(s => s.textContent)`)); !slices.Contains(ids, string(idO)) {
			t.Errorf("hit ids %q lack %s", ids, idO)
		}
		checkExport(t, e.url+"/export?format=csv&q=%2Binteroperability+%2Bcourt%3Anysd")
		// The court facet names the courts and counts 2 at cand and 1 at nysd; clicking
		// cand narrows.
		facet := run(t, ctx, "court facet", chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-facet="court"] li a')].map(a => a.querySelector(".term").textContent + "=" + a.querySelector(".count").textContent)`))
		if got, want := strings.Join(facet, "; "), "United States District Court for the Northern District of California=2; District Court, S.D. New York=1"; got != want {
			t.Fatalf("court facet reads %q; want %q", got, want)
		}
		// The type facet filters by the documents' types: the order alone.
		types := run(t, ctx, "type facet", chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-facet="doc_type"] li a .term')].map(s => s.textContent)`))
		if !slices.Contains(types, "order") || !slices.Contains(types, "motion") || !slices.Contains(types, "exhibit") {
			t.Fatalf("type facet reads %q; want order, motion and exhibit", types)
		}
		searched := run(t, ctx, "location", chromedp.Location())
		follow(t, ctx, "clicking the order type", chromedp.Click(chromedp.Search(`//section[@data-facet="doc_type"]//a[span[@class="term"]="order"]`)))
		do(t, ctx, "orders", chromedp.WaitVisible(chromedp.CSS(".active-filters")))
		if got := text(t, ctx, "#results-h"); !strings.HasPrefix(got, "1 document") {
			t.Fatalf("filtered by type order, the heading reads %q; want 1 document", got)
		}
		if got := text(t, ctx, ".hits h3"); !strings.HasPrefix(got, "Pemberton v. Castellan Holdings Corp.") {
			t.Fatalf("the order's hit reads %q", got)
		}
		shoot(t, ctx, "search-type-order-laptop")
		do(t, ctx, "searching type:motion",
			chromedp.Navigate(e.url+"/?q="+url.QueryEscape("+interoperability +type:motion +court:cand")),
			chromedp.WaitVisible(chromedp.CSS("#results-h")),
		)
		if got := text(t, ctx, ".hits"); !strings.Contains(got, "ECF No. 91 · Motion") || strings.Contains(got, "Exhibit C") {
			t.Fatalf("+type:motion +court:cand lists %q; want the motion alone", got)
		}
		do(t, ctx, "back to the search", chromedp.Navigate(searched), chromedp.WaitVisible(chromedp.CSS("#results-h")))
		follow(t, ctx, "clicking the cand facet", chromedp.Click(chromedp.Search(`//section[@data-facet="court"]//a[contains(@href, "court=cand")]`)))
		do(t, ctx, "narrowed results", chromedp.WaitVisible(chromedp.CSS(".active-filters")))
		narrowed := run(t, ctx, "location", chromedp.Location())
		if got := text(t, ctx, "#results-h"); !strings.HasPrefix(got, "2 documents") {
			t.Fatalf("after the facet click the heading reads %q; want 2 documents", got)
		}
		if got := text(t, ctx, ".hits"); strings.Contains(got, "Pemberton") {
			t.Fatalf("the nysd order is still listed after narrowing to cand: %q", got)
		}
		// The exhibit's hit names its label and links its page 2 snippet.
		if got := text(t, ctx, ".hits"); !strings.Contains(got, "Exhibit C") {
			t.Fatalf("hits %q do not show the exhibit label", got)
		}
		follow(t, ctx, "opening the exhibit at its matching page", chromedp.Click(chromedp.Search(`//a[@class="pageref" and normalize-space()="page 2"]`)))
		do(t, ctx, "the exhibit", chromedp.WaitVisible(chromedp.CSS("article.page.current")))
		loc := run(t, ctx, "location", chromedp.Location())
		if !strings.Contains(loc, "page=2") || !strings.HasSuffix(loc, "#page-2") {
			t.Fatalf("document opened at %s; want page 2", loc)
		}
		if id := run(t, ctx, "current page", chromedp.Evaluate[string](`document.querySelector("article.page.current").id`)); id != "page-2" {
			t.Fatalf("the page shown as current is %q; want page-2", id)
		}
		marks := run(t, ctx, "marks", chromedp.Evaluate[[]string](`[...document.querySelectorAll("#page-2 .pagetext mark")].map(m => m.textContent)`))
		if len(marks) == 0 || !strings.EqualFold(marks[0], "interoperability") {
			t.Fatalf("page 2 marks %q; want interoperability", marks)
		}
		if n := run(t, ctx, "marks elsewhere", chromedp.Evaluate[int](`document.querySelectorAll("#page-1 mark, #page-3 mark").length`)); n != 0 {
			t.Fatalf("%d marks on pages without the word", n)
		}
		href := run(t, ctx, "pdf link", chromedp.Evaluate[string](`document.getElementById("open-pdf").href`))
		if !strings.HasSuffix(href, "/pdf#page=2") {
			t.Fatalf("PDF link %q does not open page 2", href)
		}
		resp := webtest.Get(t, strings.TrimSuffix(href, "#page=2"))
		if resp.Status != 200 || resp.Header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("PDF link answers %d %s", resp.Status, resp.Header.Get("Content-Type"))
		}
		if got := text(t, ctx, ".doc-side"); !strings.Contains(got, "3:21-cv-04417") || !strings.Contains(got, "Exhibit C") {
			t.Fatalf("metadata %q lacks the docket or the exhibit label", got)
		}
		if title := run(t, ctx, "page title", chromedp.Title()); !strings.HasPrefix(title, "Harlow Systems, Inc. v. Brightline Networks LLC · 3:21-cv-04417 (N.D. Cal.) · ECF No. 88-3 · Exhibit C") {
			t.Fatalf("the document's page title is %q; want its citation", title)
		}
		if got := text(t, ctx, "h1"); got != "Harlow Systems, Inc. v. Brightline Networks LLC · 3:21-cv-04417 (N.D. Cal.) · ECF No. 88-3 · Exhibit C" {
			t.Fatalf("the document's heading is %q", got)
		}
		if got := text(t, ctx, ".doc-side"); !strings.Contains(got, "Northern District of California") {
			t.Fatalf("metadata %q does not name the court", got)
		}
		shoot(t, ctx, "document-laptop")

		// Alert me on this search: the preview counts the two cand filings of the last
		// 30 days, then the rule is saved.
		do(t, ctx, "back to the search",
			chromedp.Navigate(narrowed),
			chromedp.WaitVisible(chromedp.ID("alert-me")),
		)
		follow(t, ctx, "alert me", chromedp.Click(chromedp.ID("alert-me")))
		do(t, ctx, "the preview", chromedp.WaitVisible(chromedp.ID("preview-summary")))
		if got := text(t, ctx, "#preview-summary"); !strings.HasPrefix(got, "2 documents filed in the last 30 days") {
			t.Fatalf("preview says %q; want 2 documents in 30 days", got)
		}
		if n := run(t, ctx, "bars", chromedp.Evaluate[int](`document.querySelectorAll(".chart rect").length`)); n != 30 {
			t.Fatalf("%d bars in the preview; want 30", n)
		}
		shoot(t, ctx, "alert-preview-laptop")
		follow(t, ctx, "saving the alert", chromedp.Click(chromedp.ID("save-alert")))
		do(t, ctx, "the saved rule", chromedp.WaitVisible(chromedp.CSS(".rule")))
		if got := text(t, ctx, ".flash"); !strings.Contains(got, "Saved the alert") {
			t.Fatalf("after saving the flash reads %q", got)
		}
		ruleID := strings.TrimPrefix(run(t, ctx, "rule id", chromedp.Evaluate[string](`document.querySelector(".rule").id`)), "rule-")
		if !alert.ValidID(ruleID) {
			t.Fatalf("rule id %q", ruleID)
		}
		if got := text(t, ctx, ".rule"); !strings.Contains(got, "court cand") {
			t.Fatalf("saved rule %q lost its court filter", got)
		}

		// A matching exhibit arrives: the alert is in the rule's feed and on the page.
		idL, _ := e.publish(t, later)
		e.waitIndexed(t, idL)
		feedURL := e.url + "/api/v1/alerts/" + ruleID + "/feed.atom"
		poll.UntilGot(t, 30*time.Second, "the feed showing the new exhibit", func() (bool, string) {
			body := webtest.Get(t, feedURL).Body
			return strings.Contains(string(body), "Exhibit B"), string(body)
		})
		do(t, ctx, "alerts page", chromedp.Navigate(e.url+"/alerts"), chromedp.WaitVisible(chromedp.CSS(".recent")))
		if got := text(t, ctx, ".recent"); !strings.Contains(got, "Exhibit B") || !strings.Contains(got, "newly filed") {
			t.Fatalf("latest alerts read %q", got)
		}
		feedHref := run(t, ctx, "feed link", chromedp.Evaluate[string](`document.querySelector(".rule a[type='application/atom+xml']").href`))
		if feedHref != feedURL {
			t.Fatalf("feed link %q; want %q", feedHref, feedURL)
		}
		shoot(t, ctx, "alerts-laptop")
		// Pause and delete: a second rule, saved from a preview, is paused, then goes; the
		// first stays.
		do(t, ctx, "second alert",
			chromedp.Navigate(e.url+"/alerts/new?q=roadmap"),
			chromedp.WaitVisible(chromedp.ID("save-alert")),
		)
		follow(t, ctx, "saving the second alert", chromedp.Click(chromedp.ID("save-alert")))
		do(t, ctx, "saved", chromedp.WaitVisible(chromedp.CSS(".flash")))
		follow(t, ctx, "pausing it", chromedp.Click(chromedp.Search(`//li[contains(@class,"rule")][.//code[normalize-space()="roadmap"]]//button[normalize-space()="Pause"]`)))
		do(t, ctx, "paused", chromedp.WaitVisible(chromedp.Search(`//p[@class="flash"][contains(., "Paused")]`)))
		if got := text(t, ctx, ".rules"); !strings.Contains(got, "roadmap (paused)") {
			t.Fatalf("after pausing, the list reads %q", got)
		}
		follow(t, ctx, "delete the paused alert", chromedp.Click(chromedp.Search(`//li[contains(@class,"rule")][.//code[normalize-space()="roadmap"]]//button[normalize-space()="Delete"]`)))
		do(t, ctx, "deleted", chromedp.WaitVisible(chromedp.Search(`//p[@class="flash"][contains(., "Deleted")]`)))
		if got := text(t, ctx, ".flash"); !strings.Contains(got, "Deleted the alert “roadmap”") {
			t.Fatalf("after delete the flash reads %q", got)
		}
		if got := text(t, ctx, ".rules"); strings.Contains(got, "roadmap") || !strings.Contains(got, "interoperability") {
			t.Fatalf("after deleting one rule the list reads %q", got)
		}
	})

	t.Run("bad query", func(t *testing.T) {
		bad := `interoperability AND (claims`
		do(t, ctx, "bad query", chromedp.Navigate(e.url+"/?q="+url.QueryEscape(bad)), chromedp.WaitVisible(chromedp.ID("q-problem")))
		got := text(t, ctx, "#q-problem")
		// The unclosed "(" is character 22.
		if !strings.Contains(got, "The query has a problem at character 22") {
			t.Fatalf("error reads %q; want position 22", got)
		}
		if at := text(t, ctx, "#q-problem .caret"); at != "(" {
			t.Fatalf("the marked character is %q; want (", at)
		}
		caret := run(t, ctx, "caret", chromedp.Evaluate[string](`document.querySelector("#q-problem .caret") ? document.querySelector("#q-problem code").textContent : ""`))
		if caret == "" || !strings.HasPrefix(caret, "interoperability") {
			t.Fatalf("the query is not shown with the problem marked: %q", caret)
		}
		if inv := run(t, ctx, "aria-invalid", chromedp.Evaluate[string](`document.getElementById("q").getAttribute("aria-invalid")`)); inv != "true" {
			t.Fatalf("query box aria-invalid=%q", inv)
		}
		if resp := webtest.Get(t, e.url+"/?q="+url.QueryEscape(bad)); resp.Status != http.StatusBadRequest || strings.Contains(string(resp.Body), "goroutine") {
			t.Fatalf("bad query answered %d", resp.Status)
		}
		shoot(t, ctx, "bad-query-laptop")
	})

	t.Run("status and retry", func(t *testing.T) {
		do(t, ctx, "status page", chromedp.Navigate(e.url+"/status"), chromedp.WaitVisible(chromedp.CSS(".parked-item")))
		got := text(t, ctx, "#parked")
		if !strings.Contains(got, string(idN)) || !strings.Contains(got, "not found") {
			t.Fatalf("parked list %q lacks %s and its reason", got, idN)
		}
		if want := "Pemberton v. Castellan Holdings Corp. · 1:23-cv-05521 (S.D.N.Y.) · ECF No. 41 · Notice"; !strings.Contains(got, want) {
			t.Fatalf("parked list %q does not name the notice %q", got, want)
		}
		if got := text(t, ctx, "main"); !strings.Contains(got, "extractor") || !strings.Contains(got, "indexer") {
			t.Fatalf("pipeline table lacks the stages: %q", got)
		}
		shoot(t, ctx, "status-laptop")
		// The cause is fixed (the PDF arrives); retry sends the filing back.
		sum, _, _ := blob.Sum(bytes.NewReader(noticePDF))
		if err := e.n.Blobs.Put(context.Background(), sum, bytes.NewReader(noticePDF)); err != nil {
			t.Fatal(err)
		}
		follow(t, ctx, "retrying", chromedp.Click(chromedp.Search(`//li[contains(@class,"parked-item")][.//small[normalize-space()="`+string(idN)+`"]]//button`)))
		do(t, ctx, "retried", chromedp.WaitVisible(chromedp.CSS(".flash")))
		if got := text(t, ctx, ".flash"); !strings.Contains(got, "back to its stage") {
			t.Fatalf("after retry the flash reads %q", got)
		}
		e.waitIndexed(t, idN)
		msgs, err := bus.ListParked(context.Background(), e.n.JS, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			if m.ID == idN {
				t.Fatalf("%s is still parked after its retry succeeded", idN)
			}
		}
	})

	t.Run("keyboard only", func(t *testing.T) {
		do(t, ctx, "fresh search page", chromedp.Navigate(e.url+"/"), chromedp.WaitVisible(chromedp.ID("q")))
		focused := func() string {
			return run(t, ctx, "focus", chromedp.Evaluate[string](`(function(){var a=document.activeElement;return a.id||a.className||a.tagName})()`))
		}
		labelled := func() bool {
			return run(t, ctx, "label", chromedp.Evaluate[bool](`(function(){var a=document.activeElement;
				if (a.tagName==="A"||a.tagName==="BUTTON"||a.tagName==="SUMMARY") return a.textContent.trim()!=="" || !!a.getAttribute("aria-label");
				return (a.labels&&a.labels.length>0) || !!a.getAttribute("aria-label")})()`))
		}
		do(t, ctx, "tab", chromedp.KeyEvent(kb.Tab))
		if f := focused(); f != "skip" {
			t.Fatalf("the first Tab stop is %q; want the skip link", f)
		}
		var stops []string
		for i := 0; i < 8 && focused() != "q"; i++ {
			do(t, ctx, "tab", chromedp.KeyEvent(kb.Tab))
			stops = append(stops, focused())
			if !labelled() {
				t.Fatalf("Tab stop %q has no label", focused())
			}
		}
		if focused() != "q" {
			t.Fatalf("Tab never reached the query box; stops %v", stops)
		}
		do(t, ctx, "typing", chromedp.KeyEvent("interoperability"))
		// Tab to the syntax help and open it with Enter.
		for i := 0; i < 4 && focused() != "syntax-summary"; i++ {
			do(t, ctx, "tab", chromedp.KeyEvent(kb.Tab))
			if !labelled() {
				t.Fatalf("Tab stop %q has no label", focused())
			}
		}
		if focused() != "syntax-summary" {
			t.Fatalf("Tab did not reach the syntax help; at %q", focused())
		}
		do(t, ctx, "opening help", chromedp.KeyEvent(kb.Enter))
		if open := run(t, ctx, "help open", chromedp.Evaluate[bool](`document.getElementById("syntax").open`)); !open {
			t.Fatal("Enter did not open the syntax help")
		}
		for i := 0; i < 4 && focused() != "court"; i++ {
			do(t, ctx, "tab", chromedp.KeyEvent(kb.Tab))
		}
		if focused() != "court" {
			t.Fatalf("Tab did not reach the court filter; at %q", focused())
		}
		do(t, ctx, "court", chromedp.KeyEvent("nysd"))
		follow(t, ctx, "submitting with Enter", chromedp.KeyEvent(kb.Enter))
		do(t, ctx, "results", chromedp.WaitVisible(chromedp.CSS("#results-h")))
		if got := text(t, ctx, "#results-h"); !strings.HasPrefix(got, "1 document for") {
			t.Fatalf("keyboard search found %q; want the one nysd document", got)
		}
		// Every form control of the page is labelled, and the outline shows focus.
		unlabelled := run(t, ctx, "labels", chromedp.Evaluate[[]string](`[...document.querySelectorAll("input:not([type=hidden]),select")].filter(e => !(e.labels && e.labels.length) && !e.getAttribute("aria-label")).map(e => e.id || e.name)`))
		if len(unlabelled) > 0 {
			t.Fatalf("controls without a label: %v", unlabelled)
		}
		do(t, ctx, "focus", chromedp.Focus(chromedp.ID("q")))
		if o := run(t, ctx, "outline", chromedp.Evaluate[string](`getComputedStyle(document.getElementById("q")).outlineStyle`)); o == "none" {
			t.Fatal("the focused query box shows no outline")
		}
	})

	// A rule's deliveries really fail, then recover, and the Alerts page says so at
	// desktop and phone width: its webhook receiver on loopback answers 500 and the SMTP
	// relay turns connections away with 421 (as a relay over its limits does), so the
	// alert waits for another attempt on both channels; then both accept, the alert is
	// delivered, and the page shows when, keeping the last failure and its reason.
	t.Run("alert delivery status", func(t *testing.T) {
		var receiverFails atomic.Bool
		receiverFails.Store(true)
		var received atomic.Int32
		receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			if receiverFails.Load() {
				http.Error(w, "queue unavailable", http.StatusInternalServerError)
				return
			}
			received.Add(1)
			w.WriteHeader(http.StatusNoContent)
		}))
		defer receiver.Close()
		e.smtp.Refusing.Store(true)
		defer e.smtp.Refusing.Store(false)
		store := alerttest.Rules(t, e.n.JS)
		r := alerttest.Create(t, store, alert.Rule{Name: "sealing orders", Query: "sealing",
			Webhook: &alert.Webhook{URL: receiver.URL}, Email: &alert.Email{To: []string{"counsel@example.com"}}})
		e.waitIndexed(t, first(e.publish(t, sealing)))
		poll.Until(t, time.Minute, "both channels failing with the alert waiting", func() bool {
			got := alerttest.Status(t, store, r.ID)
			return got.Webhook.PendingRetries == 1 && got.Email.PendingRetries == 1 &&
				got.Webhook.LastError != "" && got.Email.LastError != ""
		})
		checkDeliveryPage(t, ctx, e.url, r.ID, "failing", map[string][]string{
			"webhook": {"Webhook failing: ", "failed attempt", "Pending retries: 1, the next at ", "Last delivered: never.", "webhook answered 500 Internal Server Error"},
			"email":   {"Email failing: ", "Pending retries: 1, the next at ", "Last delivered: never.", `421 "4.3.2 service not available`},
		})

		receiverFails.Store(false)
		e.smtp.Refusing.Store(false)
		poll.Until(t, 2*time.Minute, "the alert delivered on both channels", func() bool {
			got := alerttest.Status(t, store, r.ID)
			return got.Webhook.PendingRetries == 0 && got.Email.PendingRetries == 0 &&
				!got.Webhook.LastDeliveryAt.IsZero() && !got.Email.LastDeliveryAt.IsZero()
		})
		day := time.Now().UTC().Format(time.DateOnly)
		checkDeliveryPage(t, ctx, e.url, r.ID, "recovered", map[string][]string{
			"webhook": {"Webhook working.", "Last delivered: " + day, "Last failure: " + day, "webhook answered 500 Internal Server Error"},
			"email":   {"Email working.", "Last delivered: " + day, `421 "4.3.2 service not available`},
		})
		if n, msgs := received.Load(), e.smtp.Messages(); n != 1 || len(msgs) != 1 {
			t.Errorf("the receiver took %d deliveries and the relay %d messages; want 1 each", n, len(msgs))
		}
	})

	// The Alert me preview of a search whose only document was filed four years ago
	// finds it over the last 5 years, counted by year.
	t.Run("preview of earlier years", func(t *testing.T) {
		do(t, ctx, "five-year preview", chromedp.Navigate(e.url+"/alerts/new?q=tariff&days=1825"), chromedp.WaitVisible(chromedp.ID("preview-summary")))
		if got := text(t, ctx, "#preview-summary"); !strings.HasPrefix(got, "1 document filed in the last 5 years") || !strings.Contains(got, "a year") {
			t.Errorf("preview says %q; want the 1 document of 4 years ago, per year", got)
		}
		if n := run(t, ctx, "bars", chromedp.Evaluate[int](`document.querySelectorAll(".chart rect").length`)); n != 6 {
			t.Errorf("%d bars; want one per calendar year the 5 years touch", n)
		}
		shoot(t, ctx, "alert-preview-years")
	})

	// A typo finds nothing and offers the index's own word, on a desktop and on a phone;
	// following the suggestion searches with it.
	t.Run("did you mean", func(t *testing.T) {
		for _, vp := range []struct {
			name string
			set  chromedp.Action[chromedp.Void]
		}{
			{"desktop", chromedp.EmulateViewport(1280, 900)},
			{"phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile)},
		} {
			do(t, ctx, vp.name+" typo search", vp.set, chromedp.Navigate(e.url+"/?q=interoperabilty"), chromedp.WaitVisible(chromedp.ID("results-h")))
			if n := run(t, ctx, "suggestion shown", chromedp.Evaluate[int](`document.querySelectorAll("#did-you-mean").length`)); n != 1 {
				t.Fatalf("%s: no suggestion on %q", vp.name, text(t, ctx, ".results"))
			}
			if got := text(t, ctx, "#did-you-mean"); !strings.Contains(got, "interoperability") {
				t.Errorf("%s: suggestion %q; want interoperability", vp.name, got)
			}
			if w := run(t, ctx, "width", chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 1280 || (vp.name == "phone" && w > 390) {
				t.Errorf("%s: the page is %d px wide", vp.name, w)
			}
			shoot(t, ctx, "did-you-mean-"+vp.name)
			follow(t, ctx, vp.name+" following the suggestion", chromedp.Click(chromedp.CSS("#did-you-mean a")))
			if got := text(t, ctx, "#results-h"); strings.HasPrefix(got, "0 ") || !strings.Contains(got, "“interoperability”") {
				t.Errorf("%s: after the suggestion %q; want the documents with the word", vp.name, got)
			}
		}
		do(t, ctx, "desktop again", chromedp.EmulateViewport(1280, 900))
	})

	t.Run("phone", func(t *testing.T) {
		do(t, ctx, "phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
			chromedp.Navigate(e.url+"/?q=interoperability"), chromedp.WaitVisible(chromedp.CSS("#results-h")))
		// Nothing wider than the screen: no sideways scrolling to read results.
		if w := run(t, ctx, "width", chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 390 {
			t.Errorf("the search page is %d px wide on a 390 px phone", w)
		}
		// The results start on the first screen: the filters fold behind "Filters".
		if top := run(t, ctx, "first hit", chromedp.Evaluate[float64](`document.querySelector(".hit").getBoundingClientRect().top + window.scrollY`)); top > 844-100 {
			t.Errorf("the first result starts %.0f px down on an 844 px high phone; want it on the first screen", top)
		}
		shoot(t, ctx, "search-phone")
		do(t, ctx, "opening the filters", chromedp.Click(chromedp.ID("filter-summary")), chromedp.WaitVisible(chromedp.ID("court")))
		shoot(t, ctx, "search-phone-filters")
		do(t, ctx, "phone document", chromedp.Navigate(e.url+"/doc/"+string(idC)+"?q=interoperability&page=2#page-2"), chromedp.WaitVisible(chromedp.CSS("article.page.current")))
		if w := run(t, ctx, "width", chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 390 {
			t.Errorf("the document page is %d px wide on a 390 px phone", w)
		}
		shoot(t, ctx, "document-phone")
		do(t, ctx, "phone status", chromedp.Navigate(e.url+"/status"), chromedp.WaitVisible(chromedp.CSS("#pipeline-h")))
		shoot(t, ctx, "status-phone")
		do(t, ctx, "phone alerts", chromedp.Navigate(e.url+"/alerts"), chromedp.WaitVisible(chromedp.CSS("h1")))
		shoot(t, ctx, "alerts-phone")
	})
}

// checkExport reads a CSV export of the nysd order's search: the hit is named by its
// title, its court by name, with the page and snippet of its match.
func checkExport(t *testing.T, u string) {
	t.Helper()
	resp := webtest.Get(t, u)
	rows, err := csv.NewReader(bytes.NewReader(resp.Body)).ReadAll()
	if err != nil || resp.Status != http.StatusOK || len(rows) != 2 {
		t.Fatalf("export: %d, %d rows, %v; want a header and the order", resp.Status, len(rows), err)
	}
	got := map[string]string{}
	for i, col := range rows[0] {
		got[col] = rows[1][i]
	}
	want := map[string]string{
		"title":      "Pemberton v. Castellan Holdings Corp. · 1:23-cv-05521 (S.D.N.Y.) · ECF No. 40 · Order",
		"court":      "nysd",
		"court_name": "District Court, S.D. New York",
		"case_name":  "Pemberton v. Castellan Holdings Corp.",
		"doc_type":   "order",
		"page":       "1",
	}
	for col, w := range want {
		if got[col] != w {
			t.Errorf("export column %s = %q; want %q", col, got[col], w)
		}
	}
	if !strings.Contains(got["snippet"], "The Court finds that the interoperability claims") {
		t.Errorf("export snippet %q; want the matching passage as plain text", got["snippet"])
	}
}
