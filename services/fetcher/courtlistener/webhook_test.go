package courtlistener

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/services/fetcher/courtlistener/clfake"
)

type stubResolver map[int64]Docket

func (s stubResolver) Docket(_ context.Context, id int64) (Docket, error) {
	d, ok := s[id]
	if !ok {
		return Docket{}, errors.New("no such docket")
	}
	return d, nil
}

func loadEvent(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return []byte(strings.ReplaceAll(string(b), "{{ webhook_version }}", "2"))
}

type emitted struct {
	doc filing.Document
	pdf *PDF
}

func TestWebhookDocketAlertDedup(t *testing.T) {
	event := loadEvent(t, "docket_alert_webhook_dummy.txt")
	var got []emitted
	fail := true
	h, err := NewWebhookHandler(WebhookConfig{
		Seen:       &MemorySeen{Max: 10},
		Resolver:   stubResolver{4214664: {ID: 4214664, CourtID: "dcd", CaseName: "A v. B", DocketNumber: "1:16-cv-00745-PLF", PacerCaseID: "178502"}},
		StorageURL: "https://storage.example/",
		Emit: func(_ context.Context, d filing.Document, p *PDF) error {
			if fail {
				return errors.New("bus down")
			}
			got = append(got, emitted{d, p})
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	// First delivery fails to publish: 500, so CourtListener retries with the same key.
	n, err := clfake.Deliver(context.Background(), srv.Client(), srv.URL, event, "c2b8a4a5-key-1", 1, nil)
	if err == nil || n != 1 || len(got) != 0 {
		t.Fatalf("delivery while the bus is down: n %d err %v, %d emitted; want an error and nothing", n, err, len(got))
	}
	fail = false
	for i := 0; i < 3; i++ {
		if _, err := clfake.Deliver(context.Background(), srv.Client(), srv.URL, event, "c2b8a4a5-key-1", 1, nil); err != nil {
			t.Fatalf("redelivery %d: %v", i, err)
		}
	}
	if len(got) != 2 {
		t.Fatalf("emitted %d documents over 4 deliveries of one key; want the 2 documents once", len(got))
	}
	main, att := got[0], got[1]
	if main.doc.ID != "dcd/1:16-cv-00745/140/0" || att.doc.ID != "dcd/1:16-cv-00745/140/1" {
		t.Errorf("ids %s, %s", main.doc.ID, att.doc.ID)
	}
	if main.pdf == nil || main.pdf.Size != 330183 || len(main.pdf.SHA1) != 40 ||
		main.pdf.URL != "https://storage.example/recap/gov.uscourts.dcd.178502/gov.uscourts.dcd.178502.140.0.pdf" {
		t.Errorf("main pdf %+v", main.pdf)
	}
	if att.pdf != nil || att.doc.Attachment != 1 || att.doc.Description == "" || main.doc.Entry.Description == "" {
		t.Errorf("attachment %+v pdf %+v", att.doc, att.pdf)
	}
	if want := time.Date(2022, 10, 11, 0, 0, 0, 0, time.UTC); !main.doc.Entry.Filed.Equal(want) || main.doc.Docket.SourceIDs["pacer_case_id"] != "178502" {
		t.Errorf("filed %v source ids %v", main.doc.Entry.Filed, main.doc.Docket.SourceIDs)
	}
	// A new key is a new event.
	if _, err := clfake.Deliver(context.Background(), srv.Client(), srv.URL, event, "other-key", 1, nil); err != nil || len(got) != 4 {
		t.Errorf("new key: err %v, %d emitted; want 4", err, len(got))
	}
}

func TestWebhookRequests(t *testing.T) {
	h, err := NewWebhookHandler(WebhookConfig{
		Seen: &MemorySeen{}, Resolver: stubResolver{},
		Emit: func(context.Context, filing.Document, *PDF) error { return nil },
	})
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
		{"unknown docket", "k4", `{"payload":{"results":[{"docket":99,"recap_documents":[]}]},"webhook":{"version":2,"event_type":1}}`, 503},
		{"search alert v1", "k5", `{"payload":{"results":[]},"webhook":{"version":1,"event_type":2}}`, 400},
	}
	for _, tc := range tests {
		if got := post(tc.key, tc.body); got != tc.want {
			t.Errorf("%s: status %d; want %d", tc.name, got, tc.want)
		}
	}
	// A RECAP search alert (type r) yields its nested documents.
	var docs []filing.Document
	h2, _ := NewWebhookHandler(WebhookConfig{Seen: &MemorySeen{}, Resolver: stubResolver{},
		Emit: func(_ context.Context, d filing.Document, _ *PDF) error { docs = append(docs, d); return nil }})
	body := `{"payload":{"results":[{"docket_id":5,"caseName":"Doe v. Roe","docketNumber":"3:24-cv-01234-JD","court_id":"cand","pacer_case_id":"4242",
	  "recap_documents":[{"id":77,"description":"MOTION","short_description":"Exhibit 12 - Email","entry_number":9,"entry_date_filed":"2024-04-15",
	  "document_number":9,"attachment_number":12,"is_available":true,"filepath_local":"recap/x.pdf"}]}],"alert":{"id":1}},"webhook":{"version":2,"event_type":2}}`
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	req.Header.Set("Idempotency-Key", "s1")
	rec := httptest.NewRecorder()
	h2.ServeHTTP(rec, req)
	if rec.Code != 200 || len(docs) != 1 || docs[0].ID != "cand/3:24-cv-01234/9/12" || !docs[0].Exhibit || docs[0].ExhibitLabel != "Exhibit 12" {
		t.Errorf("search alert: status %d docs %+v", rec.Code, docs)
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
