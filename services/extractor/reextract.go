package extractor

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/job"
	"github.com/nats-io/nats.go/jetstream"
)

// ReextractKind names re-extraction jobs.
const ReextractKind = "reextract"

// ReextractJob returns the handler of re-extraction jobs: it puts the selected documents
// back on FILINGS (their PDFs are in the blob store), so that the extractor runs again
// and publishes new TEXTS versions that the index picks up. With Selection.Failed it
// retries the documents the extractor parked instead. Alerts are not repeated: the
// alerter's ledger already holds every (rule, document) it alerted on.
func ReextractJob(js jetstream.JetStream) job.Handler {
	return func(ctx context.Context, j *job.Job, report func() error) error {
		if j.Selection.ExtractorVersion != "" {
			return fmt.Errorf("selecting by extractor version is not supported: TEXTS is not indexed by document")
		}
		if j.Selection.Failed {
			return retryParked(ctx, js, j, report)
		}
		return replayFilings(ctx, js, j, report)
	}
}

func retryParked(ctx context.Context, js jetstream.JetStream, j *job.Job, report func() error) error {
	parked, err := bus.ListParked(ctx, js, 0)
	if err != nil {
		return err
	}
	j.Total = uint64(len(parked))
	for _, p := range parked {
		j.Done++
		if p.Stage != "extractor" || !selectsCourt(j.Selection, p.Subject) {
			continue
		}
		if err := bus.RetryParked(ctx, js, p.Seq); err != nil {
			j.Errors++
			continue
		}
		j.Selected++
		if err := report(); err != nil {
			return err
		}
	}
	return nil
}

func replayFilings(ctx context.Context, js jetstream.JetStream, j *job.Job, report func() error) error {
	str, err := js.Stream(ctx, bus.Filings)
	if err != nil {
		return err
	}
	// The job covers what FILINGS held when it started; later filings are extracted anyway.
	if j.Detail == nil {
		j.Detail = map[string]string{}
	}
	last, err := strconv.ParseUint(j.Detail["last_seq"], 10, 64)
	if err != nil {
		last = str.CachedInfo().State.LastSeq
		j.Detail["last_seq"] = strconv.FormatUint(last, 10)
		j.Total = str.CachedInfo().State.Msgs
	}
	if j.Position >= last {
		return nil
	}
	subject := "filings.>"
	if j.Selection.Court != "" {
		subject = bus.Subject(bus.Filings, filing.CourtToken(j.Selection.Court))
	}
	cons, err := js.OrderedConsumer(ctx, bus.Filings, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{subject}, DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: j.Position + 1,
	})
	if err != nil {
		return fmt.Errorf("reading FILINGS: %w", err)
	}
	for j.Position < last {
		// Everything up to last is stored already: a fetch that waited for a full batch
		// would wait out its deadline at the end of the stream, or after each last
		// message of a court's subject.
		batch, err := cons.FetchNoWait(256)
		if err != nil {
			return fmt.Errorf("reading FILINGS: %w", err)
		}
		got := 0
		for m := range batch.Messages() {
			got++
			md, err := m.Metadata()
			if err != nil || md.Sequence.Stream > last {
				j.Position = last
				break
			}
			j.Done++
			if !bus.IsCopy(m.Headers()) && selectsDocument(j.Selection, m.Data()) {
				_, err := bus.Publish(ctx, js, bus.Out{
					Subject: m.Subject(), MsgID: bus.MsgIDReextract + j.ID + ":" + strconv.FormatUint(md.Sequence.Stream, 10),
					DocID: filing.DocID(m.Headers().Get(bus.HeaderDocID)), Value: json.RawMessage(m.Data()),
				})
				if err != nil {
					return err // position not advanced: this message is redone on resume
				}
				j.Selected++
			}
			j.Position = md.Sequence.Stream
			if err := report(); err != nil {
				return err
			}
		}
		if got == 0 && ctx.Err() == nil {
			// Nothing more matches the filter up to last.
			j.Position = last
		}
		if err := batch.Error(); err != nil && ctx.Err() != nil {
			return job.ErrStopped
		}
	}
	return report()
}

// selectsCourt reports whether a FILINGS subject is of the selection's court.
func selectsCourt(sel job.Selection, subject string) bool {
	return sel.Court == "" || subject == bus.Subject(bus.Filings, filing.CourtToken(sel.Court))
}

// selectsDocument reports whether a FILINGS message is in the selection's date range, by
// its filed date or, for a document that has none yet, the day it was found.
func selectsDocument(sel job.Selection, data []byte) bool {
	var d filing.Document
	if json.Unmarshal(data, &d) != nil {
		return false
	}
	t := d.Entry.Filed
	if t.IsZero() {
		t = d.DiscoveredAt
	}
	return sel.MatchDate(t)
}
