package recap

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/url"
	"path"
	"slices"
	"strconv"

	"github.com/docketwatch/docketwatch/pkg/blob"
	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/fault"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/nats-io/nats.go/jetstream"
)

// Pass works once through what is due: purchases under way first (reconciled with
// CourtListener), then the documents due for a lookup, by court, in batches.
func (s *Service) Pass(ctx context.Context) error {
	rerr := s.reconcile(ctx)
	due, err := s.due(ctx)
	if err != nil {
		return errors.Join(rerr, err)
	}
	byCourt := map[string][]want{}
	for _, w := range due {
		byCourt[w.Court] = append(byCourt[w.Court], w)
	}
	var errs []error
	for _, court := range slices.Sorted(maps.Keys(byCourt)) {
		if err := s.lookup(ctx, court, byCourt[court]); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(append(errs, rerr)...)
}

// due returns the wanted documents whose lookup time has come.
func (s *Service) due(ctx context.Context) ([]want, error) {
	ws, err := s.wants(ctx)
	now := s.now()
	return slices.DeleteFunc(ws, func(w want) bool { return now.Before(w.Next) }), err
}

// wants returns every wanted document. One whose record cannot be read is left out, as
// getWant would refuse it too.
func (s *Service) wants(ctx context.Context) ([]want, error) {
	var out []want
	for e, err := range bus.Entries(ctx, s.kv, "want.>") {
		if err != nil {
			return nil, fmt.Errorf("listing wanted documents: %w", err)
		}
		var w want
		if json.Unmarshal(e.Value(), &w) == nil {
			out = append(out, w)
		}
	}
	return out, nil
}

// lookup asks RECAP about a court's due documents: what it holds is downloaded; the
// rest is bought if the rules say so, or looked up again later.
func (s *Service) lookup(ctx context.Context, court string, ws []want) error {
	var errs []error
	// CourtListener documents known only by their id are read one by one; that also
	// learns their PACER doc id, which later lookups batch.
	var ids []string
	for i := range ws {
		if ws[i].PacerDocID == "" {
			d, err := s.deps.CL.RECAPDocument(ctx, ws[i].RDID)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			ws[i].PacerDocID, ws[i].Pages = d.PacerDocID, pagesOf(d.PageCount)
		}
		if ws[i].PacerDocID != "" {
			ids = append(ids, ws[i].PacerDocID)
		}
	}
	hits, err := s.deps.CL.RECAPQuery(ctx, court, ids)
	s.m.lookups.Add(float64(len(ids)))
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	held := map[string]string{}
	for _, h := range hits {
		if h.FilepathLocal != "" {
			held[h.PacerDocID] = h.FilepathLocal
		}
	}
	for _, w := range ws {
		if w.PacerDocID == "" {
			continue
		}
		var err error
		if fp, ok := held[w.PacerDocID]; ok {
			err = s.takeFree(ctx, w, fp)
		} else {
			err = s.miss(ctx, w)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func pagesOf(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// takeFree downloads a document RECAP holds and publishes it with its PDF.
func (s *Service) takeFree(ctx context.Context, w want, filepathLocal string) error {
	if err := s.publishWithPDF(ctx, w.Doc, filepathLocal, "", 0); err != nil {
		return err
	}
	s.m.free.Inc()
	s.log.Info("recap held the document", "doc_id", w.Doc.ID, "court", w.Court)
	return s.forget(ctx, w.Doc.ID)
}

func (s *Service) forget(ctx context.Context, id filing.DocID) error {
	if err := s.kv.Delete(ctx, wantKey(id)); err != nil && !bus.IsNotFound(err) {
		return fmt.Errorf("forgetting %s: %w", id, err)
	}
	return nil
}

// miss handles a document RECAP does not hold: buy it when the rules pick it, else look
// again at the next time of the schedule, or give up after the last.
func (s *Service) miss(ctx context.Context, w want) error {
	if s.cfg.Rules.Enabled {
		bought, err := s.consider(ctx, w)
		if err != nil || bought {
			return err
		}
	}
	if w.Lookups >= len(s.cfg.Recheck) {
		s.m.gaveUp.Inc()
		s.log.Info("recap never held the document; giving up", "doc_id", w.Doc.ID, "lookups", w.Lookups)
		return s.forget(ctx, w.Doc.ID)
	}
	w.Next = w.Added.Add(s.cfg.Recheck[w.Lookups])
	w.Lookups++
	data, _ := json.Marshal(w)
	if _, err := s.kv.Put(ctx, wantKey(w.Doc.ID), data); err != nil {
		return fmt.Errorf("rescheduling %s: %w", w.Doc.ID, err)
	}
	return nil
}

// publishWithPDF downloads a PDF from CourtListener's storage (verifying SHA-1 and size
// when given), stores it and publishes the document with it. The download goes through
// a temporary file (a Spool with no memory), so a long exhibit never sits in memory.
func (s *Service) publishWithPDF(ctx context.Context, doc filing.Document, filepathLocal, sha1 string, size int64) error {
	rawURL := s.deps.CL.StorageURL(filepathLocal)
	sum, n, err := blob.Spool{}.Put(ctx, s.deps.Blobs, "the pdf of "+string(doc.ID), func(w io.Writer) (int64, error) {
		n, err := s.deps.CL.Download(ctx, rawURL, sha1, size, w)
		if err != nil {
			return n, fmt.Errorf("downloading %s: %w", doc.ID, err)
		}
		return n, nil
	})
	if err != nil {
		return err
	}
	ref := filing.BlobRef{SHA256: sum, Size: n}
	if u, err := url.Parse(rawURL); err == nil {
		ref.Name = path.Base(u.Path)
	}
	doc.Blob = &ref
	doc.URL = rawURL
	doc.DiscoveredAt = s.now().UTC()
	if _, err := s.pub.Publish(ctx, doc); err != nil {
		return fmt.Errorf("publishing %s: %w", doc.ID, err)
	}
	return nil
}

// park puts a document whose purchase failed in DEAD, with the reason, as a FILINGS
// message: `dead retry` republishes it, and handle then clears the failure and tries
// again.
func (s *Service) park(ctx context.Context, doc filing.Document, retries int, reason string) error {
	data, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	p := filing.Parked{
		Schema: filing.Schema, Stage: Stage, ID: doc.ID, Reason: reason, Attempts: 1,
		Subject: bus.Subject(bus.Filings, filing.CourtToken(doc.Docket.Court)), Data: data, ParkedAt: s.now().UTC(),
	}
	// One parked message per failed attempt: a retried purchase that fails again is
	// parked again, not dropped as a duplicate.
	_, err = bus.Publish(ctx, s.deps.JS, bus.Out{
		Subject: bus.Subject(bus.Dead, Stage), MsgID: bus.MsgID(Stage, doc.ID, "fail"+strconv.Itoa(retries)), DocID: doc.ID, Value: p,
	})
	if err != nil {
		return fmt.Errorf("parking %s: %w", doc.ID, err)
	}
	return nil
}

// getWant reads a wanted document.
func (s *Service) getWant(ctx context.Context, id filing.DocID) (want, error) {
	var w want
	e, err := s.kv.Get(ctx, wantKey(id))
	if err != nil {
		if bus.IsNotFound(err) || errors.Is(err, jetstream.ErrKeyDeleted) {
			return w, fault.Permanentf("%s is no longer wanted", id)
		}
		return w, err
	}
	return w, json.Unmarshal(e.Value(), &w)
}
