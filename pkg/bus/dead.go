package bus

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/telemetry/tracing"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// ParkedMsg is a message in DEAD with its stream sequence, by which it is shown and retried.
type ParkedMsg struct {
	Seq uint64 `json:"seq"`
	filing.Parked
	// header is the parked copy's: the trace it belongs to (GetParked only).
	header nats.Header
}

// ListParked returns the parked messages, oldest first, at most limit (0: all).
func ListParked(ctx context.Context, js jetstream.JetStream, limit int) ([]ParkedMsg, error) {
	str, err := js.Stream(ctx, Dead)
	if err != nil {
		return nil, fmt.Errorf("opening DEAD: %w", err)
	}
	left := str.CachedInfo().State.Msgs
	if limit > 0 && uint64(limit) < left {
		left = uint64(limit)
	}
	var out []ParkedMsg
	if left == 0 {
		return out, nil
	}
	err = Scan(ctx, js, Dead, jetstream.ConsumerConfig{DeliverPolicy: jetstream.DeliverAllPolicy}, 500, func(m jetstream.Msg, md *jetstream.MsgMetadata) bool {
		p := ParkedMsg{Seq: md.Sequence.Stream}
		if err := json.Unmarshal(m.Data(), &p.Parked); err != nil {
			p.Reason = "unreadable parked message: " + err.Error()
		}
		out = append(out, p)
		return uint64(len(out)) < left
	})
	if err != nil {
		return nil, fmt.Errorf("reading DEAD: %w", err)
	}
	return out, nil
}

// GetParked returns one parked message.
func GetParked(ctx context.Context, js jetstream.JetStream, seq uint64) (ParkedMsg, error) {
	str, err := js.Stream(ctx, Dead)
	if err != nil {
		return ParkedMsg{}, fmt.Errorf("opening DEAD: %w", err)
	}
	raw, err := str.GetMsg(ctx, seq)
	if err != nil {
		return ParkedMsg{}, fmt.Errorf("parked message %d: %w", seq, err)
	}
	p := ParkedMsg{Seq: seq, header: raw.Header}
	if err := json.Unmarshal(raw.Data, &p.Parked); err != nil {
		return p, fmt.Errorf("parked message %d is unreadable: %w", seq, err)
	}
	return p, nil
}

// RetryParked puts a parked message back on the subject it was parked from, for its
// stage to try again, and then removes it from DEAD. A crash in between leaves it in
// both places; the stage's idempotence makes the second try harmless.
func RetryParked(ctx context.Context, js jetstream.JetStream, seq uint64) error {
	p, err := GetParked(ctx, js, seq)
	if err != nil {
		return err
	}
	msg := &nats.Msg{Subject: p.Subject, Data: p.Data, Header: nats.Header{}}
	if p.ID != "" {
		msg.Header.Set(HeaderDocID, string(p.ID))
	}
	// The retry goes on in the trace the message was parked in.
	tracing.Inject(tracing.Extract(ctx, p.header), msg.Header)
	if _, err := js.PublishMsg(ctx, msg, jetstream.WithMsgID(MsgIDRetry+strconv.FormatUint(seq, 10))); err != nil {
		return fmt.Errorf("republishing parked message %d: %w", seq, err)
	}
	str, err := js.Stream(ctx, Dead)
	if err != nil {
		return err
	}
	if err := str.DeleteMsg(ctx, seq); err != nil {
		return fmt.Errorf("removing retried message %d from DEAD: %w", seq, err)
	}
	return nil
}

// Document is the document a parked message carries: a FILINGS message is one, a TEXTS
// message holds one; false when the message is neither (or unreadable), so that a list
// of parked messages can name each by its document's title.
func (p ParkedMsg) Document() (filing.Document, bool) {
	var t struct {
		filing.Document
		Text *filing.Document `json:"document"`
	}
	if json.Unmarshal(p.Data, &t) != nil {
		return filing.Document{}, false
	}
	if t.Text != nil && t.Text.ID != "" {
		return *t.Text, true
	}
	return t.Document, t.Document.ID != ""
}
