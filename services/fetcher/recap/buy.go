package recap

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/fault"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/services/fetcher/courtlistener"
)

// consider buys a document RECAP does not hold if the rules pick it and the caps allow,
// and reports whether it is now in the ledger (bought or under way).
func (s *Service) consider(ctx context.Context, w want) (bool, error) {
	if p, _, err := s.ledger.Get(ctx, w.Doc.ID); err == nil {
		return true, s.held(ctx, w, p)
	} else if !bus.IsNotFound(err) {
		return false, err
	}
	if w.RDID == 0 || w.Pages == 0 {
		d, err := s.deps.CL.DocumentByPacerID(ctx, w.Court, w.PacerDocID)
		if err != nil {
			return false, err
		}
		w.RDID, w.Pages = d.ID, pagesOf(d.PageCount)
	}
	dec := s.cfg.Rules.Decide(w.Doc, w.Pages)
	if !dec.Buy {
		return false, nil
	}
	cost, ok := Estimate(w.Pages, isTranscript(w.Doc))
	if !ok {
		return false, nil
	}
	p, err := s.ledger.Reserve(ctx, Purchase{Doc: w.Doc.ID, Document: w.Doc, Court: w.Court, PacerDocID: w.PacerDocID, RDID: w.RDID, Pages: w.Pages, Cents: cost}, s.cfg.Caps)
	switch {
	case errors.Is(err, ErrHeld):
		return true, nil // another buyer's, since the check above
	case errors.Is(err, ErrCap):
		s.m.capped.Inc()
		s.log.Info("spend cap reached; not buying", "doc_id", w.Doc.ID, "cost", cost.String())
		return false, nil
	case err != nil:
		return false, err
	}
	// The wanted record keeps the document (for publishing) and its CourtListener ids.
	data, _ := json.Marshal(w)
	if _, err := s.kv.Put(ctx, wantKey(w.Doc.ID), data); err != nil {
		return true, err
	}
	s.log.Info("buying", "doc_id", w.Doc.ID, "pages", w.Pages, "cost", cost.String(), "why", dec.Reason)
	_, rev, err := s.ledger.Get(ctx, p.Doc)
	if err != nil {
		return true, err
	}
	return true, s.request(ctx, p, rev)
}

// held handles a wanted document the ledger already has: bought or failed (parked, and
// retried by `dead retry`), it is no longer looked up; under way, it is looked up again
// only after a while, since the purchase completes it.
func (s *Service) held(ctx context.Context, w want, p Purchase) error {
	if p.State == StateSucceeded || p.State == StateFailed {
		return s.forget(ctx, w.Doc.ID)
	}
	w.Next = s.now().Add(s.cfg.Poll).UTC()
	data, _ := json.Marshal(w)
	if _, err := s.kv.Put(ctx, wantKey(w.Doc.ID), data); err != nil {
		return fmt.Errorf("rescheduling %s: %w", w.Doc.ID, err)
	}
	return nil
}

// request sends the purchase of a reserved document. The record becomes requesting
// first, with a lease: another buyer that finds it so before the lease ends leaves it;
// after, it asks CourtListener whether the request arrived (reconcile) rather than
// sending it again.
func (s *Service) request(ctx context.Context, p Purchase, rev uint64) error {
	p.State, p.LeaseUntil = StateRequesting, s.now().Add(s.cfg.Lease).UTC()
	rev, ok, err := s.ledger.Transition(ctx, p, rev)
	if err != nil || !ok {
		return err
	}
	rctx, cancel := context.WithTimeout(ctx, s.cfg.Lease/2)
	fr, err := s.deps.CL.RequestPDFFetch(rctx, p.RDID, s.creds)
	cancel()
	switch {
	case err == nil:
		p.State, p.RequestID, p.LeaseUntil = StateRequested, fr.ID, time.Time{}
		_, _, err = s.ledger.Transition(ctx, p, rev)
		return err
	case errors.Is(err, courtlistener.ErrFetchUnknown):
		s.log.Warn("purchase request outcome unknown; reconciling after the lease", "doc_id", p.Doc, "err", err)
		return nil
	case fault.IsPermanent(err):
		return s.fail(ctx, p, rev, err.Error())
	default:
		// Refused before it was made (throttled, budget): reserved again, sent next pass.
		p.State, p.LeaseUntil = StateReserved, time.Time{}
		_, _, terr := s.ledger.Transition(ctx, p, rev)
		return errors.Join(err, terr)
	}
}

// fail records a failed purchase, releases its amount and parks the document with the
// reason. A document CourtListener reports as available meanwhile is not a failure: the
// record is dropped and the free path takes it.
func (s *Service) fail(ctx context.Context, p Purchase, rev uint64, reason string) error {
	if strings.Contains(reason, "already marked as available") {
		if err := s.ledger.Settle(ctx, p, 0); err != nil {
			return err
		}
		return s.ledger.Forget(ctx, p.Doc, rev)
	}
	p.State, p.Reason, p.DoneAt, p.LeaseUntil = StateFailed, reason, s.now().UTC(), time.Time{}
	_, ok, err := s.ledger.Transition(ctx, p, rev)
	if err != nil || !ok {
		return err
	}
	s.m.failed.Inc()
	s.log.Warn("purchase failed; parked", "doc_id", p.Doc, "reason", reason)
	if err := s.ledger.Settle(ctx, p, 0); err != nil {
		return err
	}
	if err := s.park(ctx, p.Document, p.Retries, "purchase failed: "+reason); err != nil {
		return err
	}
	return s.forget(ctx, p.Doc)
}

// Complete applies a fetch request's status, from its webhook event or a poll: a
// success downloads, publishes and charges the document; a failure is parked.
func (s *Service) Complete(ctx context.Context, fr courtlistener.FetchRequest) error {
	if !fr.Status.Terminal() {
		return nil
	}
	id, err := s.ledger.ByRequest(ctx, fr.ID)
	if err != nil {
		if bus.IsNotFound(err) {
			return nil // not ours (another tool on the same account)
		}
		return err
	}
	p, rev, err := s.ledger.Get(ctx, id)
	if err != nil || p.State != StateRequested || p.RequestID != fr.ID {
		return err
	}
	if fr.Status != courtlistener.FetchSuccessful {
		return s.fail(ctx, p, rev, fmt.Sprintf("courtlistener fetch %d %s: %s", fr.ID, fr.Status, fr.Message))
	}
	d, err := s.deps.CL.RECAPDocument(ctx, p.RDID)
	if err != nil {
		return err
	}
	if !d.Available() {
		return fmt.Errorf("fetch %d succeeded but document %d is not available yet", fr.ID, p.RDID)
	}
	var size int64
	if d.FileSize != nil {
		size = *d.FileSize
	}
	if err := s.publishWithPDF(ctx, p.Document, *d.FilepathLocal, d.SHA1, size); err != nil {
		return err
	}
	charged, _ := Estimate(pagesOf(d.PageCount), isTranscript(p.Document))
	charged = min(charged, p.Cents)
	p.State, p.Pages, p.Cents, p.DoneAt = StateSucceeded, pagesOf(d.PageCount), charged, s.now().UTC()
	if _, ok, err := s.ledger.Transition(ctx, p, rev); err != nil || !ok {
		return err
	}
	if err := s.ledger.Settle(ctx, p, charged); err != nil {
		return err
	}
	s.m.bought.Inc()
	s.log.Info("bought", "doc_id", p.Doc, "pages", p.Pages, "cost", charged.String(), "request", fr.ID)
	return s.forget(ctx, p.Doc)
}

// reconcile moves on every purchase that is not final: a reservation whose buyer
// stopped before counting it is counted, a reserved one is requested, a request whose
// sender's lease ran out is looked for at CourtListener (adopted if it arrived, sent
// again only if it did not), and a request whose event has not come is polled.
func (s *Service) reconcile(ctx context.Context) error {
	all, err := s.ledger.Purchases(ctx)
	if err != nil {
		return err
	}
	var errs []error
	inFlight := map[int64]bool{}
	for _, p := range all {
		if p.State == StateSucceeded || p.State == StateFailed {
			continue
		}
		inFlight[p.RequestID] = true
		if err := s.reconcileOne(ctx, p.Doc); err != nil {
			errs = append(errs, err)
		}
	}
	for id := range s.polled {
		if !inFlight[id] {
			delete(s.polled, id)
		}
	}
	return errors.Join(errs...)
}

func (s *Service) reconcileOne(ctx context.Context, id filing.DocID) error {
	p, rev, err := s.ledger.Get(ctx, id)
	if err != nil {
		return err
	}
	switch p.State {
	case StateReserving:
		p, err = s.ledger.Recount(ctx, p, rev, s.cfg.Caps)
		if err != nil || !s.cfg.Rules.Enabled {
			return ignoreCap(err)
		}
		if p, rev, err = s.ledger.Get(ctx, id); err != nil {
			return err
		}
		return s.request(ctx, p, rev)
	case StateReserved:
		if !s.cfg.Rules.Enabled {
			return nil
		}
		return s.request(ctx, p, rev)
	case StateRequesting:
		if s.now().Before(p.LeaseUntil) {
			return nil
		}
		return s.adopt(ctx, p, rev)
	case StateRequested:
		// The webhook event usually completes it; polling is the fallback, at Poll.
		if last, ok := s.polled[p.RequestID]; ok && s.now().Sub(last) < s.cfg.Poll {
			return nil
		}
		s.polled[p.RequestID] = s.now()
		fr, err := s.deps.CL.FetchRequestByID(ctx, p.RequestID)
		if err != nil {
			return err
		}
		return s.Complete(ctx, fr)
	}
	return nil
}

func ignoreCap(err error) error {
	if errors.Is(err, ErrCap) {
		return nil
	}
	return err
}

// adopt finds at CourtListener the request a stopped buyer may have sent: found, it
// becomes the purchase's; not found, the purchase is reserved again and sent anew.
func (s *Service) adopt(ctx context.Context, p Purchase, rev uint64) error {
	frs, err := s.deps.CL.FetchRequestsSince(ctx, p.ReservedAt.Add(-time.Minute))
	if err != nil {
		return err
	}
	for _, fr := range frs {
		if fr.RECAPDocument != nil && *fr.RECAPDocument == p.RDID {
			p.State, p.RequestID, p.LeaseUntil = StateRequested, fr.ID, time.Time{}
			if _, ok, err := s.ledger.Transition(ctx, p, rev); err != nil || !ok {
				return err
			}
			s.log.Info("adopted a purchase request sent before a stop", "doc_id", p.Doc, "request", fr.ID)
			return s.Complete(ctx, fr)
		}
	}
	p.State, p.LeaseUntil = StateReserved, time.Time{}
	_, _, err = s.ledger.Transition(ctx, p, rev)
	return err
}

// WebhookHandler receives CourtListener's RECAP-fetch webhook events (event type 3, v2
// envelope) and completes the purchases they end. A repeated event changes nothing: a
// purchase moves from requested only once.
func (s *Service) WebhookHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev struct {
			Payload courtlistener.FetchRequest `json:"payload"`
			Webhook struct {
				EventType int `json:"event_type"`
			} `json:"webhook"`
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil || json.Unmarshal(body, &ev) != nil || ev.Webhook.EventType != 3 || ev.Payload.ID == 0 {
			http.Error(w, "want a RECAP-fetch webhook event (event_type 3)", http.StatusBadRequest)
			return
		}
		if err := s.Complete(r.Context(), ev.Payload); err != nil {
			// The poll completes it later; CourtListener need not retry for days.
			s.log.Warn("recap-fetch event not applied yet", "request", ev.Payload.ID, "err", err)
		}
		w.WriteHeader(http.StatusOK)
	})
}

// Planned is a document the rules would buy, with its estimated cost.
type Planned struct {
	Doc    filing.DocID `json:"doc"`
	Court  string       `json:"court"`
	Pages  int          `json:"pages"`
	Cents  Cents        `json:"cents"`
	Reason string       `json:"reason"`
}

// Plan lists what a purchase pass would buy now, spending nothing: the wanted documents
// RECAP does not hold that the rules pick, with PACER's estimated fee. With ask, a
// document known only by its PACER doc id is looked up at CourtListener (its page count,
// whether RECAP holds it meanwhile); without, nothing is asked and an unknown length is
// estimated at the per-document cap (the status page, which must not spend the request
// budget).
func (s *Service) Plan(ctx context.Context, ask bool) ([]Planned, error) {
	ws, err := s.wants(ctx)
	if err != nil {
		return nil, err
	}
	rules := s.cfg.Rules
	rules.Enabled = true // a dry run shows what the rules would do once enabled
	var out []Planned
	for _, w := range ws {
		if _, _, err := s.ledger.Get(ctx, w.Doc.ID); err == nil {
			continue // in the ledger already
		}
		if ask && w.RDID == 0 && w.PacerDocID != "" {
			d, err := s.deps.CL.DocumentByPacerID(ctx, w.Court, w.PacerDocID)
			if err != nil {
				return out, err
			}
			if d.Available() {
				continue // free
			}
			w.RDID, w.Pages = d.ID, pagesOf(d.PageCount)
		}
		dec := rules.Decide(w.Doc, w.Pages)
		cost, ok := Estimate(w.Pages, isTranscript(w.Doc))
		if dec.Buy && ok {
			out = append(out, Planned{Doc: w.Doc.ID, Court: w.Court, Pages: w.Pages, Cents: cost, Reason: dec.Reason})
		}
	}
	return out, nil
}
