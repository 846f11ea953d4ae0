package alerter

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/alert"
	"github.com/docketwatch/docketwatch/pkg/alert/alerttest"
	"github.com/docketwatch/docketwatch/pkg/poll"
	"github.com/docketwatch/docketwatch/pkg/telemetry/tracing/tracingtest"
	"github.com/docketwatch/docketwatch/services/alerter/internal/corpus"
	"go.opentelemetry.io/otel"
)

// TestWebhookJoinsTheTrace publishes an INDEXED message under a span and checks that the
// webhook request it leads to carries a traceparent of the same trace, whose parent is
// the deliverer's request span: a receiver that traces joins docketwatch's trace.
func TestWebhookJoinsTheTrace(t *testing.T) {
	rec := tracingtest.Record(t)
	js, store := alerttest.Start(t)
	ctx := context.Background()
	recv := alerttest.NewReceiver(t)
	alerttest.Create(t, store, alert.Rule{Name: "inbox", Query: `"Inbox API"`, Webhook: &alert.Webhook{URL: recv.URL, Secret: "s"}})
	startStage(t, Config{}, js)
	startDeliverer(t, js, store)

	docs, _ := corpus.Docs(1, 1)
	d := docs[0]
	d.Pages[0].Text += "\nthe Inbox API"
	newVersion(&d)
	publishText(t, js, d)
	// The indexer's announcement, under the indexer's span.
	ictx, indexSpan := otel.Tracer("test").Start(ctx, "indexer")
	publishIndexed(ictx, t, js, d)
	indexSpan.End()

	poll.Until(t, 30*time.Second, "a webhook delivered", func() bool { return len(recv.Deliveries()) > 0 })
	got := recv.Deliveries()[0].Header.Get("Traceparent")
	want := "00-" + indexSpan.SpanContext().TraceID().String() + "-"
	if !strings.HasPrefix(got, want) {
		t.Fatalf("webhook traceparent = %q; want the INDEXED message's trace %s", got, indexSpan.SpanContext().TraceID())
	}
	// The request span ends just after the answer is read.
	poll.Until(t, 10*time.Second, "the webhook request span ended", func() bool { return len(tracingtest.Find(rec, "webhook POST")) > 0 })
	posts := tracingtest.Find(rec, "webhook POST")
	if len(posts) != 1 || !strings.Contains(got, "-"+posts[0].SpanContext().SpanID().String()+"-") {
		t.Errorf("webhook traceparent %q; want the parent to be the deliverer's request span (spans %d)", got, len(posts))
	}
}
