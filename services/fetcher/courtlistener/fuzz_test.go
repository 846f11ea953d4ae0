package courtlistener

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// FuzzWebhook posts mutated CourtListener webhook events: the handler answers 2xx or 4xx,
// never 5xx (the queue is up) and never panics; every document resolved has an id.
func FuzzWebhook(f *testing.F) {
	for _, name := range []string{"docket_alert_webhook_dummy.txt", "search_alert_webhook_dummy_v2.txt"} {
		f.Add(loadEvent(f, name))
	}
	f.Add([]byte(`{"webhook":{"event_type":1,"version":2},"payload":{"results":[{}]}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		h, err := NewWebhookHandler(WebhookConfig{
			Seen:  &MemorySeen{Max: 10},
			Queue: func(context.Context, string, []byte) error { return nil },
		})
		if err != nil {
			t.Fatal(err)
		}
		// What the handler queued, the resolver turns into documents with usable ids.
		docs, err := NewEventResolver(anyDocket{}, "https://storage.example/", nil).Documents(context.Background(), body)
		if err == nil {
			for _, p := range docs {
				if err := p.Doc.ID.Validate(); err != nil {
					t.Fatalf("resolved a document without a usable id: %+v", p.Doc)
				}
			}
		}
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", "k")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("answered %d: %s", rec.Code, strings.TrimSpace(rec.Body.String()))
		}
	})
}

// anyDocket resolves every docket id and knows no other documents.
type anyDocket struct{}

func (anyDocket) Entries(context.Context, int64, int64, int64) ([]DocketEntry, error) {
	return nil, nil
}

func (anyDocket) DocketDocuments(context.Context, int64, time.Time) ([]RECAPDocument, error) {
	return nil, nil
}

func (anyDocket) Docket(_ context.Context, id int64) (Docket, error) {
	return Docket{ID: id, CourtID: "dcd", CaseName: "A v. B", DocketNumber: "1:16-cv-00745-PLF"}, nil
}
