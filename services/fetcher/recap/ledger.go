package recap

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/nats-io/nats.go/jetstream"
)

// The ledger lives in the recap KV bucket:
//
//	buy.<doc key>     a Purchase: one per document ever reserved, created with
//	                  Create, so that two buyers can never both hold one document
//	req.<request id>  the document key of a fetch request, for its webhook event
//	spend.<yyyy-mm>   a Month: the amounts reserved and spent that month and per
//	                  day, and which purchases they count, updated by compare-and-set
//
// A purchase is reserved before anything is asked of CourtListener: the buy/ record is
// created (state reserving), then the month's spend is raised by compare-and-set if the
// caps allow (an update that names the revision it read fails if another buyer wrote in
// between, and is tried again on the new value), then the record becomes reserved. The
// month remembers which documents it counts, so raising it again for the same document
// (a buyer that crashed between the two writes, reconciled by another) counts nothing
// twice.

// State is where a purchase stands.
type State string

// The states of a purchase, in order; succeeded and failed are final.
const (
	StateReserving  State = "reserving"  // buy/ record created, spend not yet counted
	StateReserved   State = "reserved"   // spend counted, nothing asked of CourtListener
	StateRequesting State = "requesting" // the purchase request may be on its way
	StateRequested  State = "requested"  // CourtListener holds the request (RequestID)
	StateSucceeded  State = "succeeded"
	StateFailed     State = "failed"
)

// Purchase is one document's ledger record.
type Purchase struct {
	Doc filing.DocID `json:"doc"`
	// Document is what was announced, published again with its PDF once bought.
	Document   filing.Document `json:"document"`
	Court      string          `json:"court"`
	PacerDocID string          `json:"pacer_doc_id,omitempty"`
	RDID       int64           `json:"rd_id"`
	Pages      int             `json:"pages"`
	// Cents is the amount reserved, and once succeeded the amount charged.
	Cents Cents `json:"cents"`
	State State `json:"state"`
	// RequestID is CourtListener's fetch request id.
	RequestID int64  `json:"request_id,omitempty"`
	Reason    string `json:"reason,omitempty"`
	// Month and Day are the spend periods the amount is counted in (UTC).
	Month      string    `json:"month"`
	Day        string    `json:"day"`
	ReservedAt time.Time `json:"reserved_at"`
	// LeaseUntil: while requesting, the buyer that sends the request owns it until then;
	// another buyer reconciles it only afterwards.
	LeaseUntil time.Time `json:"lease_until,omitzero"`
	DoneAt     time.Time `json:"done_at,omitzero"`
	// Retries counts purchases tried again after a failure (dead retry).
	Retries int `json:"retries,omitempty"`
}

// Month is the spend of one calendar month.
type Month struct {
	// Cents is reserved plus spent this month; Days the same per day ("2026-12-07").
	Cents Cents            `json:"cents"`
	Days  map[string]Cents `json:"days"`
	// Docs are the documents counted, by key, with the amount counted for each.
	Docs map[string]Cents `json:"docs"`
}

// Caps bound the spend; zero is no purchase at all (a cap must be set to buy).
type Caps struct {
	Day, Month Cents
}

// Errors of Reserve.
var (
	// ErrHeld: the document already has a ledger record (bought, failed or under way).
	ErrHeld = errors.New("document already in the ledger")
	// ErrCap: the purchase would pass the daily or monthly cap.
	ErrCap = errors.New("spend cap reached")
)

// Ledger records purchases and the spend in the recap bucket. It is safe for concurrent
// use by any number of processes.
type Ledger struct {
	kv  jetstream.KeyValue
	now func() time.Time
}

// NewLedger is the ledger in kv, the recap bucket (bus.BucketRECAP), on the clock now
// (nil: time.Now).
func NewLedger(kv jetstream.KeyValue, now func() time.Time) *Ledger {
	if now == nil {
		now = time.Now
	}
	return &Ledger{kv: kv, now: now}
}

func buyKey(id filing.DocID) string { return "buy." + id.Key() }
func monthKey(m string) string      { return "spend." + m }
func reqKey(id int64) string        { return fmt.Sprintf("req.%d", id) }

// Reserve records p (State, Month, Day and ReservedAt are set here) and counts its amount
// in the day and the month if the caps allow. ErrHeld means the document has a record
// already; ErrCap that the caps do not allow it (nothing is recorded).
func (l *Ledger) Reserve(ctx context.Context, p Purchase, caps Caps) (Purchase, error) {
	now := l.now().UTC()
	p.State, p.ReservedAt = StateReserving, now
	p.Month, p.Day = now.Format("2006-01"), now.Format("2006-01-02")
	data, err := json.Marshal(p)
	if err != nil {
		return p, err
	}
	rev, err := l.kv.Create(ctx, buyKey(p.Doc), data)
	if errors.Is(err, jetstream.ErrKeyExists) {
		return p, fmt.Errorf("reserving %s: %w", p.Doc, ErrHeld)
	}
	if err != nil {
		return p, fmt.Errorf("reserving %s: %w", p.Doc, err)
	}
	return l.count(ctx, p, rev, caps)
}

// count raises the spend for a reserving purchase (idempotently) and marks it reserved;
// over the caps it removes the record and returns ErrCap.
func (l *Ledger) count(ctx context.Context, p Purchase, rev uint64, caps Caps) (Purchase, error) {
	err := l.updateMonth(ctx, p.Month, func(m *Month) error {
		key := p.Doc.Key()
		if _, ok := m.Docs[key]; ok {
			return nil
		}
		if m.Cents+p.Cents > caps.Month || m.Days[p.Day]+p.Cents > caps.Day {
			return ErrCap
		}
		m.Cents += p.Cents
		m.Days[p.Day] += p.Cents
		m.Docs[key] = p.Cents
		return nil
	})
	if errors.Is(err, ErrCap) {
		if derr := l.kv.Delete(ctx, buyKey(p.Doc), jetstream.LastRevision(rev)); derr != nil {
			return p, errors.Join(fmt.Errorf("reserving %s: %w", p.Doc, ErrCap), derr)
		}
		return p, fmt.Errorf("reserving %s (%v): %w", p.Doc, p.Cents, ErrCap)
	}
	if err != nil {
		return p, fmt.Errorf("reserving %s: %w", p.Doc, err)
	}
	p.State = StateReserved
	if _, err := l.put(ctx, p, rev); err != nil {
		return p, fmt.Errorf("reserving %s: %w", p.Doc, err)
	}
	return p, nil
}

// updateMonth applies f to a month's spend by compare-and-set (bus.UpdateJSON), trying
// again when another writer got there first. An error from f leaves the month as it was.
func (l *Ledger) updateMonth(ctx context.Context, month string, f func(*Month) error) error {
	return bus.UpdateJSON(ctx, l.kv, monthKey(month), func(m *Month) error {
		if m.Days == nil {
			m.Days = map[string]Cents{}
		}
		if m.Docs == nil {
			m.Docs = map[string]Cents{}
		}
		return f(m)
	})
}

// Get returns a document's record and its revision.
func (l *Ledger) Get(ctx context.Context, id filing.DocID) (Purchase, uint64, error) {
	e, err := l.kv.Get(ctx, buyKey(id))
	if err != nil {
		return Purchase{}, 0, err
	}
	p, err := decodePurchase(e)
	if err != nil {
		return Purchase{}, 0, fmt.Errorf("reading ledger record of %s: %w", id, err)
	}
	return p, e.Revision(), nil
}

func decodePurchase(e jetstream.KeyValueEntry) (Purchase, error) {
	var p Purchase
	err := json.Unmarshal(e.Value(), &p)
	return p, err
}

// put writes p if the record is still at rev, and returns the new revision; a record
// changed meanwhile gives an error for which bus.IsConflict is true.
func (l *Ledger) put(ctx context.Context, p Purchase, rev uint64) (uint64, error) {
	data, err := json.Marshal(p)
	if err != nil {
		return 0, err
	}
	return l.kv.Update(ctx, buyKey(p.Doc), data, rev)
}

// Transition moves a record from the revision read to p's state, by compare-and-set:
// false (and no error) means another buyer moved it first, and the caller leaves it.
func (l *Ledger) Transition(ctx context.Context, p Purchase, rev uint64) (uint64, bool, error) {
	n, err := l.put(ctx, p, rev)
	if bus.IsConflict(err) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("recording %s as %s: %w", p.Doc, p.State, err)
	}
	if p.RequestID != 0 {
		if _, err := l.kv.Put(ctx, reqKey(p.RequestID), []byte(p.Doc)); err != nil {
			return n, true, fmt.Errorf("indexing fetch request %d: %w", p.RequestID, err)
		}
	}
	return n, true, nil
}

// ByRequest returns the document a fetch request was made for.
func (l *Ledger) ByRequest(ctx context.Context, id int64) (filing.DocID, error) {
	e, err := l.kv.Get(ctx, reqKey(id))
	if err != nil {
		return "", err
	}
	return filing.DocID(e.Value()), nil
}

// Settle adjusts the month to what a finished purchase cost: the charge of a success
// (at most what was reserved), nothing for a failure, whose amount is released.
func (l *Ledger) Settle(ctx context.Context, p Purchase, charged Cents) error {
	return l.updateMonth(ctx, p.Month, func(m *Month) error {
		key := p.Doc.Key()
		counted, ok := m.Docs[key]
		if !ok || counted == charged {
			return nil
		}
		m.Cents += charged - counted
		m.Days[p.Day] += charged - counted
		m.Docs[key] = charged
		return nil
	})
}

// Recount counts a purchase found reserving (its buyer stopped between the two writes)
// and marks it reserved, or removes it over the caps.
func (l *Ledger) Recount(ctx context.Context, p Purchase, rev uint64, caps Caps) (Purchase, error) {
	return l.count(ctx, p, rev, caps)
}

// Forget removes a failed record, so that the document can be reserved again (dead
// retry). Its amount was released when it failed.
func (l *Ledger) Forget(ctx context.Context, id filing.DocID, rev uint64) error {
	if err := l.kv.Delete(ctx, buyKey(id), jetstream.LastRevision(rev)); err != nil && !bus.IsConflict(err) {
		return fmt.Errorf("clearing the failed purchase of %s: %w", id, err)
	}
	return nil
}

// Spend reads the month's and today's spend.
func (l *Ledger) Spend(ctx context.Context) (Month, error) {
	now := l.now().UTC()
	m := Month{Days: map[string]Cents{}, Docs: map[string]Cents{}}
	e, err := l.kv.Get(ctx, monthKey(now.Format("2006-01")))
	if bus.IsNotFound(err) {
		return m, nil
	}
	if err != nil {
		return m, fmt.Errorf("reading spend: %w", err)
	}
	if err := json.Unmarshal(e.Value(), &m); err != nil {
		return m, fmt.Errorf("reading spend: %w", err)
	}
	return m, nil
}

// Purchases lists every ledger record, newest first.
func (l *Ledger) Purchases(ctx context.Context) ([]Purchase, error) {
	out, err := bus.List(ctx, l.kv, "buy.>", decodePurchase, func(a, b Purchase) int { return b.ReservedAt.Compare(a.ReservedAt) })
	if err != nil {
		return nil, fmt.Errorf("listing the ledger: %w", err)
	}
	return out, nil
}

// Today is today's spend (UTC) in a month read by Spend.
func Today(m Month, l *Ledger) Cents { return m.Days[l.now().UTC().Format("2006-01-02")] }
