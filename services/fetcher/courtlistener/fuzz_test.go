package courtlistener

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/filing"
)

// FuzzWebhook posts mutated CourtListener webhook events: the handler answers 2xx or 4xx,
// never 5xx (the bus is up) and never panics; every document it emits has an id.
func FuzzWebhook(f *testing.F) {
	for _, name := range []string{"docket_alert_webhook_dummy.txt", "search_alert_webhook_dummy_v2.txt"} {
		f.Add(loadEvent(f, name))
	}
	f.Add([]byte(`{"webhook":{"event_type":1,"version":2},"payload":{"results":[{}]}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		h, err := NewWebhookHandler(WebhookConfig{
			Seen:       &MemorySeen{Max: 10},
			Resolver:   anyDocket{},
			StorageURL: "https://storage.example/",
			Emit: func(_ context.Context, d filing.Document, _ *PDF) error {
				if err := d.ID.Validate(); err != nil {
					t.Fatalf("emitted a document without a usable id: %+v", d)
				}
				return nil
			},
		})
		if err != nil {
			t.Fatal(err)
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

// anyDocket resolves every docket id, so that a 5xx can only come from the handler itself.
type anyDocket struct{}

func (anyDocket) Docket(_ context.Context, id int64) (Docket, error) {
	return Docket{ID: id, CourtID: "dcd", CaseName: "A v. B", DocketNumber: "1:16-cv-00745-PLF"}, nil
}
