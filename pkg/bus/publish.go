package bus

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/telemetry/tracing"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/attribute"
)

// Out is a message to publish.
type Out struct {
	Subject string
	// MsgID becomes Nats-Msg-Id: the stream drops a repeat within its duplicate window,
	// which makes a publisher's retry after a crash safe. Build it with MsgID.
	MsgID string
	// DocID, when set, travels in the Doc-Id header.
	DocID filing.DocID
	// Value is encoded as JSON.
	Value any
}

// Publish sends m and waits for the stream's acknowledgement, so that a nil error means
// the message is stored. It reports whether the stream recognised a duplicate.
func Publish(ctx context.Context, js jetstream.JetStream, m Out) (duplicate bool, err error) {
	data, err := json.Marshal(m.Value)
	if err != nil {
		return false, fmt.Errorf("encoding message for %s: %w", m.Subject, err)
	}
	msg := &nats.Msg{Subject: m.Subject, Data: data, Header: nats.Header{}}
	if m.DocID != "" {
		msg.Header.Set(HeaderDocID, string(m.DocID))
	}
	// The message carries the trace of ctx (a stage's handler passes its consumer
	// span's) under a producer span, so the next stage's work joins the same trace.
	ctx, span := tracing.StartPublish(ctx, m.Subject, msg.Header)
	if m.DocID != "" && span.IsRecording() {
		span.SetAttributes(tracing.AttrDocID.String(string(m.DocID)))
	}
	var opts []jetstream.PublishOpt
	if m.MsgID != "" {
		opts = append(opts, jetstream.WithMsgID(m.MsgID))
	}
	ack, err := js.PublishMsg(ctx, msg, opts...)
	if err != nil {
		err = Unavailable(fmt.Errorf("publishing to %s: %w", m.Subject, err))
		tracing.End(span, "", err)
		return false, err
	}
	if ack.Duplicate && span.IsRecording() {
		span.SetAttributes(attrDuplicate)
	}
	tracing.End(span, "", nil)
	return ack.Duplicate, nil
}

// attrDuplicate marks a publish the stream dropped as a repeat of a stored message.
var attrDuplicate = attribute.Bool("docketwatch.duplicate", true)

// Prefixes of the Nats-Msg-Id of copies put back on a stream whose originals stay in it
// (FILINGS keeps every message): a re-extraction's (services/extractor/reextract.go) and
// a parked message's retry (RetryParked).
const (
	MsgIDReextract = "reextract:"
	MsgIDRetry     = "retry:"
)

// IsCopy reports whether a stored message is such a copy. A replay of a stream reads
// originals only: one that took the copies too would do each document once more for
// every earlier replay, doubling with each.
func IsCopy(h nats.Header) bool {
	id := h.Get(jetstream.MsgIDHeader)
	return strings.HasPrefix(id, MsgIDReextract) || strings.HasPrefix(id, MsgIDRetry)
}

// MsgID builds a message's Nats-Msg-Id: stage, document and content hash, so that
// the same stage publishing the same content for the same document is one message.
func MsgID(stage string, id filing.DocID, contentHash string) string {
	return stage + ":" + id.Key() + ":" + contentHash
}
