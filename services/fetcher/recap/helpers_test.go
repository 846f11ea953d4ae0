package recap

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/blob"
	"github.com/docketwatch/docketwatch/pkg/blob/blobtest"
	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/poll"
	"github.com/docketwatch/docketwatch/pkg/run/runtest"
	"github.com/docketwatch/docketwatch/services/fetcher"
	"github.com/docketwatch/docketwatch/services/fetcher/courtlistener"
	"github.com/docketwatch/docketwatch/services/fetcher/courtlistener/clfake"
	"github.com/docketwatch/docketwatch/services/fetcher/pacerrss"
	"github.com/nats-io/nats.go/jetstream"
)

const (
	testUser = "pacer-user"
	testPass = "pacer-pass-0123"
)

// testEnv is a real JetStream, a NATS blob store and the CourtListener fake.
type testEnv struct {
	srv   *clfake.Server
	nats  *bus.Embedded
	js    jetstream.JetStream
	blobs blob.Store
}

func newEnv(tb testing.TB) testEnv {
	tb.Helper()
	srv := clfake.Start(tb, clfake.Config{Courts: []string{"nysd"}, DocumentsPerCourt: 120, Seed: 24})
	srv.SetRECAP(clfake.RECAPConfig{PACERUsername: testUser, PACERPassword: testPass})
	e := bustest.Server(tb)
	_, js := bustest.JetStream(tb, e)
	return testEnv{srv: srv, nats: e, js: js, blobs: blobtest.PDFs(tb, js)}
}

func testLog() *slog.Logger {
	if os.Getenv("RECAP_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

func (e testEnv) client(tb testing.TB) *courtlistener.Client {
	tb.Helper()
	cl, err := courtlistener.New(courtlistener.Config{
		BaseURL: e.srv.APIBase(), StorageURL: e.srv.StorageBase(), Token: e.srv.Token(),
		Budget: &courtlistener.Limits{}, HTTPClient: e.srv.Client(), Backoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond,
	})
	if err != nil {
		tb.Fatal(err)
	}
	return cl
}

// service builds a Service with a fast pass interval; its clock is now.
func (e testEnv) service(tb testing.TB, cfg Config, now func() time.Time) *Service {
	tb.Helper()
	if cfg.Interval == 0 {
		cfg.Interval = 20 * time.Millisecond
	}
	cfg.Poll, cfg.Lease = 50*time.Millisecond, time.Second
	deps, err := OpenDeps(context.Background(), e.js, e.blobs, e.client(tb), testLog())
	if err != nil {
		tb.Fatal(err)
	}
	deps.Now = now
	s, err := New(cfg, deps)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// run runs s until the test ends.
func run(tb testing.TB, s *Service) { runtest.Go(tb, s.Run) }

// webhook points the fake's RECAP-fetch events at s.
func (e testEnv) webhook(tb testing.TB, s *Service, cfg clfake.RECAPConfig) {
	h := httptest.NewServer(s.WebhookHandler())
	tb.Cleanup(h.Close)
	cfg.PACERUsername, cfg.PACERPassword, cfg.WebhookURL = testUser, testPass, h.URL
	e.srv.SetRECAP(cfg)
}

// pick returns a generated document of the fake that pred accepts, with its docket.
func (e testEnv) pick(tb testing.TB, skip int, pred func(clfake.Document) bool) (clfake.Document, clfake.Docket) {
	tb.Helper()
	for _, d := range e.srv.Documents("nysd") {
		if pred(d) {
			if skip > 0 {
				skip--
				continue
			}
			dk, _ := e.srv.Docket(d.DocketID)
			return d, dk
		}
	}
	tb.Fatal("the fake has no such document")
	return clfake.Document{}, clfake.Docket{}
}

func isExhibit(d clfake.Document) bool {
	return d.AttachmentNumber > 0 && strings.HasPrefix(d.Description, "Exhibit")
}

// rssDoc is the document a PACER RSS entry announces for a generated document: no PDF,
// known by its PACER doc id.
func rssDoc(d clfake.Document, dk clfake.Docket) filing.Document {
	number := pacerrss.NormalizeDocketNumber(dk.DocketNumber)
	doc := filing.Document{
		Schema: filing.Schema, Source: pacerrss.Source, SourceID: d.PacerDocID,
		Docket:     filing.Docket{Court: d.Court, Number: number, CaseName: dk.CaseName},
		Entry:      filing.Entry{Number: atoi(d.DocumentNumber)},
		Attachment: d.AttachmentNumber, Description: d.Description,
	}
	if label, ok := filing.ExhibitLabel(d.Description); ok {
		doc.Exhibit, doc.ExhibitLabel = true, label
	}
	doc.ID = filing.NewDocID(doc.Docket.Court, number, doc.Entry.Number, doc.Attachment)
	return doc
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

// announce publishes doc on FILINGS as a source would.
func announce(tb testing.TB, js jetstream.JetStream, doc filing.Document) {
	tb.Helper()
	pub, err := fetcher.NewPublisher(context.Background(), js)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := pub.Publish(context.Background(), doc); err != nil {
		tb.Fatal(err)
	}
}

// published returns the versions of a document on FILINGS, oldest first.
func published(tb testing.TB, js jetstream.JetStream, id filing.DocID) []filing.Document {
	tb.Helper()
	var out []filing.Document
	for _, m := range bustest.Messages(tb, js, bus.Filings) {
		var d filing.Document
		if json.Unmarshal(m.Data(), &d) == nil && d.ID == id {
			out = append(out, d)
		}
	}
	return out
}

// withBlob waits for the version of id that carries its PDF.
func withBlob(tb testing.TB, js jetstream.JetStream, id filing.DocID, d time.Duration) filing.Document {
	tb.Helper()
	var got filing.Document
	poll.Until(tb, d, string(id)+" with its PDF on FILINGS", func() bool {
		for _, v := range published(tb, js, id) {
			if v.Blob != nil {
				got = v
				return true
			}
		}
		return false
	})
	return got
}

// buyRules watch the docket of doc, exhibits only, buying with the fake's PACER login.
func buyRules(doc filing.Document) Config {
	return Config{
		Rules:         Rules{Enabled: true, Dockets: []string{doc.Docket.Court + "/" + doc.Docket.Number}, ExhibitsOnly: true},
		Caps:          Caps{Day: 500, Month: 2000},
		PACERUsername: testUser, PACERPassword: testPass,
	}
}

// parkedOne waits for the recap stage to park what (one message) in DEAD, and returns it.
func parkedOne(tb testing.TB, js jetstream.JetStream, what string) bus.ParkedMsg {
	tb.Helper()
	var dead []bus.ParkedMsg
	poll.Until(tb, 10*time.Second, what, func() bool {
		dead = bustest.Parked(tb, js, Stage)
		return len(dead) == 1
	})
	return dead[0]
}
