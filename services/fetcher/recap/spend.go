package recap

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// SpendReport is the ledger's summary: totals anyone may see, the recent purchases for
// signed-in readers (the web status page decides).
type SpendReport struct {
	Buying     bool          `json:"buying"`
	MonthCents Cents         `json:"month_cents"`
	TodayCents Cents         `json:"today_cents"`
	Caps       Caps          `json:"caps"`
	States     map[State]int `json:"states"`
	Recent     []Purchase    `json:"recent"`
	// Planned is what the rules would buy now (Plan without asking CourtListener),
	// PlannedCents its estimate.
	Planned      []Planned `json:"planned"`
	PlannedCount int       `json:"planned_count"`
	PlannedCents Cents     `json:"planned_cents"`
}

// maxRecent bounds the purchases a report lists.
const maxRecent = 20

// Report summarises the ledger.
func (s *Service) Report(ctx context.Context) (SpendReport, error) {
	r := SpendReport{Buying: s.cfg.Rules.Enabled, Caps: s.cfg.Caps, States: map[State]int{}}
	m, err := s.ledger.Spend(ctx)
	if err != nil {
		return r, err
	}
	r.MonthCents, r.TodayCents = m.Cents, Today(m, s.ledger)
	all, err := s.ledger.Purchases(ctx)
	if err != nil {
		return r, err
	}
	if r.Planned, err = s.Plan(ctx, false); err != nil {
		return r, err
	}
	for _, p := range r.Planned {
		r.PlannedCents += p.Cents
	}
	r.PlannedCount = len(r.Planned)
	if len(r.Planned) > maxRecent {
		r.Planned = r.Planned[:maxRecent]
	}
	for _, p := range all {
		r.States[p.State]++
		if len(r.Recent) < maxRecent {
			r.Recent = append(r.Recent, p)
		}
	}
	return r, nil
}

// SpendHandler serves Report as JSON, for the web status page in the same process; it is
// not mounted on the public API, since it names documents.
func (s *Service) SpendHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		rep, err := s.Report(ctx)
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(rep)
	})
}
