package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/netip"
	neturl "net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/services/alerter"

	"github.com/docketwatch/docketwatch/pkg/alert"
	"github.com/docketwatch/docketwatch/pkg/alert/alerttest"
	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/poll"
	"github.com/docketwatch/docketwatch/pkg/search"
	"github.com/docketwatch/docketwatch/pkg/testpdf"
	"github.com/docketwatch/docketwatch/services/api"
	"github.com/docketwatch/docketwatch/services/docketwatch/node"
	"github.com/docketwatch/docketwatch/services/fetcher"
	"github.com/docketwatch/docketwatch/services/fetcher/courtlistener"
	"github.com/docketwatch/docketwatch/services/fetcher/courtlistener/clfake"
	"github.com/docketwatch/docketwatch/services/fetcher/pacerrss"
	"github.com/docketwatch/docketwatch/services/fetcher/recap"
)

// TestRuleMatchedExhibitIsBoughtExtractedIndexedAndAlerted runs the whole way: the
// CourtListener source announces an exhibit of a watched docket whose PDF RECAP does not
// hold; the RECAP stage finds it missing, buys it through recap-fetch/ within the caps,
// completes on the RECAP-fetch webhook event through the node's HTTP server, and
// publishes it with its PDF; the extractor reads its text, the index finds it, and an
// alert on a phrase only the PDF contains fires.
func TestRuleMatchedExhibitIsBoughtExtractedIndexedAndAlerted(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole pipeline")
	}
	const phrase = "Halvorsen reconciliation ledger"
	fake, ex := fakeWithMissingExhibit(t)
	fake.SetPDF(ex.ID, testpdf.New("EXHIBIT "+ex.DocumentNumber+"\n\nThe "+phrase+" shows the transfers of March."))
	dk, _ := fake.Docket(ex.DocketID)
	// The node may buy as soon as it starts, before its address is known: the fake
	// knows the login from the outset and posts its webhook events to a relay that
	// waits for the node's address.
	nodeURL, relay := webhookRelay(t)
	fake.SetRECAP(clfake.RECAPConfig{PACERUsername: "clerk", PACERPassword: "s3cret-pacer", WebhookURL: relay + api.RECAPFetchWebhookPath})

	n, err := node.Start(context.Background(), node.Config{
		DataDir: t.TempDir(),
		API: api.Config{HTTP: "127.0.0.1:0", Policy: api.Policy{PublicReads: true, Token: "test-token", Rate: -1,
			WebhookSources: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}},
		Fetcher: fetcher.Config{CourtListener: fetcher.CourtListenerConfig{
			Courts: []string{"nysd"}, Token: fetcher.Secret(fake.Token()), BaseURL: fake.APIBase(), StorageURL: fake.StorageBase(),
			Budget: &courtlistener.Limits{}, HTTPClient: fake.Client(), Since: time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC),
		}},
		Alerter: alerter.Config{WebhookAllowPrivate: true}, // the test's receiver is on loopback
		RECAP: recap.Config{
			Rules:         recap.Rules{Enabled: true, Dockets: []string{"nysd/" + pacerrss.NormalizeDocketNumber(dk.DocketNumber)}, ExhibitsOnly: true},
			Caps:          recap.Caps{Day: 1000, Month: 5000},
			Interval:      100 * time.Millisecond,
			PACERUsername: "clerk", PACERPassword: "s3cret-pacer",
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	nodeURL(n.HTTPURL)

	hits := make(chan struct{}, 8)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits <- struct{}{} }))
	defer recv.Close()
	alerttest.Create(t, alerttest.Rules(t, n.JS), alert.Rule{Name: "ledger", Query: `"` + phrase + `"`,
		Webhook: &alert.Webhook{URL: recv.URL, Secret: "s"}})

	select {
	case <-hits:
	case <-time.After(90 * time.Second):
		t.Fatalf("no alert within 90s; purchases %+v", fake.Purchases())
	}
	res, err := n.Searcher.Search(context.Background(), search.Query{Q: `"` + phrase + `"`})
	if err != nil || res.Total != 1 {
		t.Fatalf("searching the phrase: %v, %v; want the bought exhibit", res, err)
	}
	bought := map[int64]bool{}
	for _, p := range fake.Purchases() {
		bought[p.DocID] = true
		for _, d := range fake.Documents("nysd") {
			if d.ID == p.DocID && (d.DocketID != ex.DocketID || d.AttachmentNumber == 0 || !strings.HasPrefix(d.Description, "Ex")) {
				t.Errorf("bought document %d (%q of docket %d), which the rules do not pick", d.ID, d.Description, d.DocketID)
			}
		}
	}
	if !bought[ex.ID] {
		t.Errorf("purchases %+v lack the exhibit %d", fake.Purchases(), ex.ID)
	}
	if m := gatherText(t, n.Metrics); !strings.Contains(m, "docketwatch_recap_purchases_total") || !strings.Contains(m, "docketwatch_recap_spend_month_dollars") {
		t.Error("the metrics lack the purchases and the spend")
	}
}

// webhookRelay serves on loopback and forwards each request, path and headers kept, to
// the address given later through setTarget; until then requests wait.
func webhookRelay(t *testing.T) (setTarget func(string), url string) {
	t.Helper()
	var target *neturl.URL
	ready := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-ready:
			httputil.NewSingleHostReverseProxy(target).ServeHTTP(w, r)
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	return func(u string) {
		parsed, err := neturl.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		target = parsed
		close(ready)
	}, srv.URL
}

// fakeWithMissingExhibit is a CourtListener fake of one court whose first exhibit has
// no PDF: RECAP lacks it, and only a purchase from PACER brings it.
func fakeWithMissingExhibit(t *testing.T) (*clfake.Server, clfake.Document) {
	t.Helper()
	fake := clfake.Start(t, clfake.Config{Courts: []string{"nysd"}, DocketsPerCourt: 3, DocumentsPerCourt: 40, Seed: 7})
	for _, d := range fake.Documents("nysd") {
		if d.AttachmentNumber > 0 && strings.HasPrefix(d.Description, "Exhibit") {
			fake.MakeUnavailable(d.ID)
			return fake, d
		}
	}
	t.Fatal("the fake has no exhibit")
	return nil, clfake.Document{}
}

// `docketwatch buy --dry-run` lists the documents the rules would buy with PACER's
// estimate, from what the RECAP stage found missing, and buys nothing.
func TestBuyDryRunCommandSpendsNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	fake, ex := fakeWithMissingExhibit(t)
	fake.SetRECAP(clfake.RECAPConfig{PACERUsername: "clerk", PACERPassword: "s3cret-pacer"})
	dk, _ := fake.Docket(ex.DocketID)
	watched := "nysd/" + pacerrss.NormalizeDocketNumber(dk.DocketNumber)
	data := t.TempDir()
	clc := fetcher.CourtListenerConfig{
		Courts: []string{"nysd"}, Token: fetcher.Secret(fake.Token()), BaseURL: fake.APIBase(), StorageURL: fake.StorageBase(),
		Budget: &courtlistener.Limits{}, HTTPClient: fake.Client(), Since: time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC),
	}
	// A run without buying notes the missing documents.
	n, err := node.Start(context.Background(), node.Config{DataDir: data, Fetcher: fetcher.Config{CourtListener: clc},
		RECAP: recap.Config{Interval: 100 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	kv, err := bus.KV(context.Background(), n.JS, bus.BucketRECAP)
	if err != nil {
		t.Fatal(err)
	}
	entry, _ := strconv.Atoi(ex.DocumentNumber)
	id := filing.NewDocID("nysd", pacerrss.NormalizeDocketNumber(dk.DocketNumber), entry, ex.AttachmentNumber)
	poll.Until(t, 60*time.Second, "the RECAP stage to note the missing exhibit", func() bool {
		_, err := kv.Get(context.Background(), "want."+id.Key())
		return err == nil
	})
	n.Close()

	cmd := docketwatch(t, "buy", "--dry-run", "--json", "--data", data, "--buy-dockets", watched, "--buy-exhibits-only",
		"--courtlistener-url", fake.APIBase(), "--courtlistener-storage-url", fake.StorageBase(), "--courtlistener-budget", "none")
	cmd.Env = append(cmd.Env, "DOCKETWATCH_COURTLISTENER_TOKEN="+fake.Token())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("buy --dry-run: %v: %s", err, out)
	}
	var plan []recap.Planned
	if err := json.Unmarshal(out, &plan); err != nil {
		t.Fatalf("buy --dry-run printed %q: %v", out, err)
	}
	want, _ := recap.Estimate(ex.PageCount, false)
	found := false
	for _, p := range plan {
		found = found || p.Doc == id && p.Cents == want
	}
	if !found {
		t.Errorf("plan %+v lacks the exhibit at %v", plan, want)
	}
	if n := fake.FetchRequests(); n != 0 {
		t.Errorf("%d purchase requests; a dry run makes none", n)
	}
}
