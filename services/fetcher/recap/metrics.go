package recap

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the service's counters, and the spend read from the ledger at scrape time
// (so that every process reports the one shared ledger, not its own share).
type metrics struct {
	lookups, free, bought, failed, capped, gaveUp prometheus.Counter
}

func newMetrics(reg prometheus.Registerer, l *Ledger, caps Caps) *metrics {
	c := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Name: "docketwatch_recap_" + name, Help: help})
	}
	m := &metrics{
		lookups: c("lookups_total", "PACER doc ids asked about in recap-query requests."),
		free:    c("free_documents_total", "Documents RECAP held, downloaded for free."),
		bought:  c("purchases_total", "Documents bought through the RECAP Fetch API."),
		failed:  c("purchase_failures_total", "Purchases that failed and were parked."),
		capped:  c("cap_refusals_total", "Purchases not made because a spend cap was reached."),
		gaveUp:  c("given_up_total", "Documents RECAP never held by the end of the recheck schedule."),
	}
	if reg == nil {
		return m
	}
	spend := func(name, help string, f func(Month) float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "docketwatch_recap_" + name, Help: help}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			mo, err := l.Spend(ctx)
			if err != nil {
				return -1
			}
			return f(mo)
		})
	}
	for _, col := range []prometheus.Collector{
		m.lookups, m.free, m.bought, m.failed, m.capped, m.gaveUp,
		spend("spend_month_dollars", "Spent and reserved on PACER documents this month (UTC).", func(mo Month) float64 { return float64(mo.Cents) / 100 }),
		spend("spend_today_dollars", "Spent and reserved on PACER documents today (UTC).", func(mo Month) float64 { return float64(Today(mo, l)) / 100 }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "docketwatch_recap_cap_month_dollars", Help: "The monthly spend cap."}, func() float64 { return float64(caps.Month) / 100 }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "docketwatch_recap_cap_day_dollars", Help: "The daily spend cap."}, func() float64 { return float64(caps.Day) / 100 }),
	} {
		_ = reg.Register(col)
	}
	return m
}
