package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"
)

// spendView is the PACER spend section of the status page: totals for everyone, the
// recent purchases (documents, reasons) for signed-in readers only.
type spendView struct {
	Buying                         bool
	Month, Today, MonthCap, DayCap string
	States                         map[string]int
	Recent                         []spendRow
	// PlannedCount documents would be bought now, for PlannedCost; Planned lists them.
	PlannedCount int
	PlannedCost  string
	Planned      []spendRow
}

type spendRow struct {
	Doc, Cost, State, Reason string
	Pages                    int
	Reserved                 time.Time
}

// spend reads the RECAP ledger's report from the handler of the stage in this process
// (recap.Service.SpendHandler), as sources does for the fetcher.
func (u *ui) spend(r *http.Request, d *statusData) error {
	if u.Spend == nil {
		return nil
	}
	rec := httptest.NewRecorder()
	u.Spend.ServeHTTP(rec, httptest.NewRequestWithContext(r.Context(), http.MethodGet, "/spend", nil))
	var rep struct {
		Buying       bool                       `json:"buying"`
		MonthCents   int64                      `json:"month_cents"`
		TodayCents   int64                      `json:"today_cents"`
		Caps         struct{ Day, Month int64 } `json:"caps"`
		States       map[string]int             `json:"states"`
		PlannedCount int                        `json:"planned_count"`
		PlannedCents int64                      `json:"planned_cents"`
		Planned      []struct {
			Doc    string `json:"doc"`
			Pages  int    `json:"pages"`
			Cents  int64  `json:"cents"`
			Reason string `json:"reason"`
		} `json:"planned"`
		Recent []struct {
			Doc        string    `json:"doc"`
			Pages      int       `json:"pages"`
			Cents      int64     `json:"cents"`
			State      string    `json:"state"`
			Reason     string    `json:"reason"`
			ReservedAt time.Time `json:"reserved_at"`
		} `json:"recent"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &rep); err != nil {
		return fmt.Errorf("reading the PACER spend (HTTP %d): %w", rec.Code, err)
	}
	v := &spendView{Buying: rep.Buying, Month: dollars(rep.MonthCents), Today: dollars(rep.TodayCents),
		MonthCap: dollars(rep.Caps.Month), DayCap: dollars(rep.Caps.Day), States: rep.States,
		PlannedCount: rep.PlannedCount, PlannedCost: dollars(rep.PlannedCents)}
	if d.Details {
		for _, p := range rep.Recent {
			v.Recent = append(v.Recent, spendRow{Doc: p.Doc, Cost: dollars(p.Cents), State: p.State, Reason: p.Reason, Pages: p.Pages, Reserved: p.ReservedAt})
		}
		for _, p := range rep.Planned {
			v.Planned = append(v.Planned, spendRow{Doc: p.Doc, Cost: dollars(p.Cents), Reason: p.Reason, Pages: p.Pages})
		}
	}
	d.Spend = v
	return nil
}

func dollars(c int64) string { return fmt.Sprintf("$%d.%02d", c/100, c%100) }
