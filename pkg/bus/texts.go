package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/docketwatch/docketwatch/pkg/config"
	"github.com/docketwatch/docketwatch/pkg/fault"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/nats-io/nats.go/jetstream"
)

// ErrTextNotFound says TEXTS holds no message for a document at the asked version.
var ErrTextNotFound = errors.New("text not found in TEXTS")

// TextFinder reads a document's extracted text back from TEXTS, the source of truth, for
// a stage that was told about the document by id and version only (the alerter, told by
// INDEXED).
//
// INDEXED names the TEXTS stream sequence of the text (filing.Indexed.TextSeq): one
// direct get. Without it (an older indexer's message), or when that message is not the
// text, the finder scans: TEXTS subjects name the court, not the document, so it reads
// the court's subject with a headers-only consumer, starting a little before the
// version's extraction time (a Text's Version is its extraction time in nanoseconds,
// taken before the message was published), picks the messages whose Doc-Id header names
// the document, and fetches only those in full. The scan reads about 200 bytes per
// message of the same court published while the document was being extracted, and
// creates and deletes a consumer: a few milliseconds, growing with the ingest rate.
type TextFinder struct {
	JS jetstream.JetStream
	// Skew is how far before the version's timestamp the scan starts, to allow for the
	// extractor's clock running ahead of the server's (default 5 s). A miss is retried
	// once from a day earlier.
	Skew time.Duration
	// Batch is how many headers are fetched per request (default 256).
	Batch int
}

// Find returns the Text an INDEXED message announced: the version ix.Version of ix.ID,
// published on ix.Court's TEXTS subject. It returns an error wrapping ErrTextNotFound,
// classified permanent, when TEXTS does not hold it.
func (f TextFinder) Find(ctx context.Context, ix filing.Indexed) (filing.Text, error) {
	if ix.TextSeq > 0 {
		t, err := f.get(ctx, []uint64{ix.TextSeq}, ix.ID, ix.Version)
		if err == nil || !errors.Is(err, ErrTextNotFound) {
			return t, err
		}
	}
	court, id, version := ix.Court, ix.ID, ix.Version
	skew := config.Default(f.Skew, 5*time.Second)
	at := time.Unix(0, version)
	for _, start := range []time.Time{at.Add(-skew), at.Add(-24 * time.Hour)} {
		t, err := f.scan(ctx, Subject(Texts, filing.CourtToken(court)), start, id, version)
		if err == nil || !errors.Is(err, ErrTextNotFound) {
			return t, err
		}
	}
	return filing.Text{}, fault.PermanentErr(fmt.Errorf("finding %s version %d: %w", id, version, ErrTextNotFound))
}

func (f TextFinder) scan(ctx context.Context, subject string, start time.Time, id filing.DocID, version int64) (filing.Text, error) {
	batch := config.Default(f.Batch, 256)
	var seqs []uint64
	err := Scan(ctx, f.JS, Texts, jetstream.ConsumerConfig{
		FilterSubject: subject, DeliverPolicy: jetstream.DeliverByStartTimePolicy, OptStartTime: &start, HeadersOnly: true,
	}, batch, func(m jetstream.Msg, md *jetstream.MsgMetadata) bool {
		if m.Headers().Get(HeaderDocID) == string(id) {
			seqs = append(seqs, md.Sequence.Stream)
		}
		return true
	})
	if err != nil {
		return filing.Text{}, fmt.Errorf("scanning %s for %s: %w", subject, id, err)
	}
	return f.get(ctx, seqs, id, version)
}

// get returns the text of id at version among the TEXTS messages seqs, newest first (a
// re-extraction follows the first one).
func (f TextFinder) get(ctx context.Context, seqs []uint64, id filing.DocID, version int64) (filing.Text, error) {
	if len(seqs) == 0 {
		return filing.Text{}, ErrTextNotFound
	}
	stream, err := f.JS.Stream(ctx, Texts)
	if err != nil {
		return filing.Text{}, fmt.Errorf("opening %s: %w", Texts, err)
	}
	for i := len(seqs) - 1; i >= 0; i-- {
		raw, err := stream.GetMsg(ctx, seqs[i])
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue // gone since (TEXTS keeps texts, but a message can be deleted)
		}
		if err != nil {
			return filing.Text{}, fmt.Errorf("reading %s message %d: %w", Texts, seqs[i], err)
		}
		var t filing.Text
		if err := json.Unmarshal(raw.Data, &t); err != nil {
			continue // a malformed message was parked by the indexer; it cannot be this version
		}
		if t.Document.ID == id && t.Version == version {
			return t, nil
		}
	}
	return filing.Text{}, ErrTextNotFound
}
