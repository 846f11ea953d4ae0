package courtlistener

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/fault"
	"github.com/docketwatch/docketwatch/pkg/testclock"
	"github.com/docketwatch/docketwatch/pkg/testfile"
	"github.com/docketwatch/docketwatch/services/fetcher/courtlistener/clfake"
)

// stubAPI knows some dockets and no documents; any other docket is a 404.
type stubAPI map[int64]Docket

func (s stubAPI) Docket(_ context.Context, id int64) (Docket, error) {
	d, ok := s[id]
	if !ok {
		return Docket{}, fault.Permanentf("courtlistener answered 404 Not Found: No Docket matches the given query.")
	}
	return d, nil
}

func (stubAPI) Entries(context.Context, int64, int64, int64) ([]DocketEntry, error) { return nil, nil }

func (stubAPI) DocketDocuments(context.Context, int64, time.Time) ([]RECAPDocument, error) {
	return nil, nil
}

func loadEvent(t testing.TB, name string) []byte {
	t.Helper()
	return []byte(strings.ReplaceAll(testfile.Text(t, "testdata", name), "{{ webhook_version }}", "2"))
}

// queue is a WebhookConfig.Queue that keeps events in memory, failing while fail is set.
type queue struct {
	fail   bool
	events map[string][]byte
}

func (q *queue) put(_ context.Context, key string, event []byte) error {
	if q.fail {
		return errors.New("bus down")
	}
	if q.events == nil {
		q.events = map[string][]byte{}
	}
	q.events[key] = event
	return nil
}

func TestWebhookDocketAlertDedup(t *testing.T) {
	event := loadEvent(t, "docket_alert_webhook_dummy.txt")
	q := &queue{fail: true}
	h, err := NewWebhookHandler(WebhookConfig{Seen: &MemorySeen{Max: 10}, Queue: q.put})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	// First delivery cannot be queued: 503, so CourtListener retries with the same key.
	n, err := clfake.Deliver(context.Background(), srv.Client(), srv.URL, event, "c2b8a4a5-key-1", 1, nil)
	if err == nil || n != 1 || len(q.events) != 0 {
		t.Fatalf("delivery while the bus is down: n %d err %v, %d queued; want an error and nothing", n, err, len(q.events))
	}
	q.fail = false
	for i := 0; i < 3; i++ {
		if _, err := clfake.Deliver(context.Background(), srv.Client(), srv.URL, event, "c2b8a4a5-key-1", 1, nil); err != nil {
			t.Fatalf("redelivery %d: %v", i, err)
		}
	}
	if len(q.events) != 1 {
		t.Fatalf("queued %d events over 4 deliveries of one key; want 1", len(q.events))
	}
	api := stubAPI{4214664: {ID: 4214664, CourtID: "dcd", CaseName: "A v. B", DocketNumber: "1:16-cv-00745-PLF", PacerCaseID: "178502"}}
	got, err := NewEventResolver(api, "https://storage.example/", nil).Documents(context.Background(), q.events["c2b8a4a5-key-1"])
	if err != nil || len(got) != 2 {
		t.Fatalf("resolved %d documents, %v; want the 2 documents", len(got), err)
	}
	main, att := got[0], got[1]
	if main.Doc.ID != "dcd/1:16-cv-00745/140/0" || att.Doc.ID != "dcd/1:16-cv-00745/140/1" {
		t.Errorf("ids %s, %s", main.Doc.ID, att.Doc.ID)
	}
	if main.PDF == nil || main.PDF.Size != 330183 || len(main.PDF.SHA1) != 40 ||
		main.PDF.URL != "https://storage.example/recap/gov.uscourts.dcd.178502/gov.uscourts.dcd.178502.140.0.pdf" {
		t.Errorf("main pdf %+v", main.PDF)
	}
	if att.PDF != nil || att.Doc.Attachment != 1 || att.Doc.Description == "" || main.Doc.Entry.Description == "" {
		t.Errorf("attachment %+v pdf %+v", att.Doc, att.PDF)
	}
	if want := time.Date(2022, 10, 11, 0, 0, 0, 0, time.UTC); !main.Doc.Entry.Filed.Equal(want) || main.Doc.Docket.SourceIDs["pacer_case_id"] != "178502" {
		t.Errorf("filed %v source ids %v", main.Doc.Entry.Filed, main.Doc.Docket.SourceIDs)
	}
	// A new key is a new event.
	if _, err := clfake.Deliver(context.Background(), srv.Client(), srv.URL, event, "other-key", 1, nil); err != nil || len(q.events) != 2 {
		t.Errorf("new key: err %v, %d queued; want 2", err, len(q.events))
	}
}

// An event naming a docket CourtListener does not have is acknowledged (answering 5xx
// would make CourtListener retry it for two days and then disable the endpoint); its
// resolution fails permanently, for the fetcher to park it.
func TestWebhookUnknownDocketIsAcknowledged(t *testing.T) {
	q := &queue{}
	h, _ := NewWebhookHandler(WebhookConfig{Seen: &MemorySeen{}, Queue: q.put})
	body := `{"payload":{"results":[{"docket":99,"recap_documents":[]}]},"webhook":{"version":2,"event_type":1}}`
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	req.Header.Set("Idempotency-Key", "k404")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || len(q.events) != 1 {
		t.Fatalf("status %d, %d queued; want 200 and the event queued", rec.Code, len(q.events))
	}
	_, err := NewEventResolver(stubAPI{}, "", nil).Documents(context.Background(), q.events["k404"])
	if err == nil || !fault.IsPermanent(err) {
		t.Errorf("resolving an event of an unknown docket: %v; want a permanent error", err)
	}
}

func TestWebhookRequests(t *testing.T) {
	q := &queue{}
	h, err := NewWebhookHandler(WebhookConfig{Seen: &MemorySeen{}, Queue: q.put})
	if err != nil {
		t.Fatal(err)
	}
	post := func(key, body string) int {
		req := httptest.NewRequest(http.MethodPost, "/webhooks/courtlistener", strings.NewReader(body))
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	tests := []struct {
		name, key, body string
		want            int
	}{
		{"opinion search alert (no filings)", "k1", string(loadEvent(t, "search_alert_webhook_dummy_v2.txt")), 200},
		{"recap fetch event is acknowledged", "k2", `{"payload":{"id":1},"webhook":{"version":2,"event_type":3}}`, 200},
		{"no idempotency key", "", `{}`, 400},
		{"not json", "k3", `{"payload":`, 400},
		{"docket alert without docket", "k4", `{"payload":{"results":[{"recap_documents":[]}]},"webhook":{"version":2,"event_type":1}}`, 400},
		{"search alert v1", "k5", `{"payload":{"results":[]},"webhook":{"version":1,"event_type":2}}`, 400},
	}
	for _, tc := range tests {
		if got := post(tc.key, tc.body); got != tc.want {
			t.Errorf("%s: status %d; want %d", tc.name, got, tc.want)
		}
	}
	// A RECAP search alert (type r) yields its nested documents.
	body := `{"payload":{"results":[{"docket_id":5,"caseName":"Doe v. Roe","docketNumber":"3:24-cv-01234-JD","court_id":"cand","pacer_case_id":"4242",
	  "recap_documents":[{"id":77,"description":"MOTION","short_description":"Exhibit 12 - Email","entry_number":9,"entry_date_filed":"2024-04-15",
	  "document_number":9,"attachment_number":12,"is_available":true,"filepath_local":"recap/x.pdf"}]}],"alert":{"id":1}},"webhook":{"version":2,"event_type":2}}`
	if code := post("s1", body); code != 200 {
		t.Fatalf("search alert: status %d", code)
	}
	docs, err := NewEventResolver(stubAPI{}, "", nil).Documents(context.Background(), q.events["s1"])
	if err != nil || len(docs) != 1 || docs[0].Doc.ID != "cand/3:24-cv-01234/9/12" || !docs[0].Doc.Exhibit || docs[0].Doc.ExhibitLabel != "Exhibit 12" {
		t.Errorf("search alert: %v docs %+v", err, docs)
	}
}

// A search-alert result says more_docs when more than its three nested documents
// matched: the rest are fetched from the API, not dropped.
func TestSearchAlertMoreDocs(t *testing.T) {
	srv := clfake.Start(t, clfake.Config{Courts: []string{"nysd"}, DocketsPerCourt: 2, DocumentsPerCourt: 40, Seed: 4})
	c := newTestClient(t, srv, testclock.New(time.Now()), nil)
	// Every document of one docket matched, from its fourth on.
	var match []int64
	var docket int64
	for _, d := range srv.Documents("nysd") {
		if docket == 0 {
			docket = d.DocketID
		}
		if d.DocketID == docket {
			match = append(match, d.ID)
		}
	}
	match = match[3:]
	if len(match) < 6 {
		t.Fatalf("docket %d has %d matching documents; want ≥ 6", docket, len(match))
	}
	event, err := srv.SearchAlertEvent(match...)
	if err != nil {
		t.Fatal(err)
	}
	docs, err := NewEventResolver(c, srv.StorageBase(), nil).Documents(context.Background(), event)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Pending{}
	for _, p := range docs {
		if _, dup := got[p.Doc.SourceID]; dup {
			t.Errorf("%s resolved twice", p.Doc.SourceID)
		}
		got[p.Doc.SourceID] = p
	}
	for _, id := range match {
		p, ok := got["rd:"+strconv.FormatInt(id, 10)]
		if !ok {
			t.Errorf("matching document %d dropped", id)
			continue
		}
		if p.Doc.Docket.Court != "nysd" || p.Doc.Entry.Description == "" {
			t.Errorf("document %d: %+v lacks court or entry", id, p.Doc)
		}
	}
}

func TestMemorySeenBounded(t *testing.T) {
	m := &MemorySeen{Max: 2}
	ctx := context.Background()
	for _, k := range []string{"a", "b", "c"} {
		_ = m.Mark(ctx, k)
	}
	for k, want := range map[string]bool{"a": false, "b": true, "c": true} {
		if got, _ := m.Seen(ctx, k); got != want {
			t.Errorf("Seen(%q) = %v; want %v", k, got, want)
		}
	}
}
