package fetcher

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Collector returns a Prometheus collector that reads Status at each scrape, so the
// freshness numbers are never stale. Register it once with the process's registry.
func (s *Service) Collector() prometheus.Collector { return statusCollector{s} }

var (
	labels        = []string{"source", "court"}
	descSuccess   = prometheus.NewDesc("docketwatch_fetcher_last_success_timestamp_seconds", "When a source last polled a court successfully (0: never).", labels, nil)
	descNew       = prometheus.NewDesc("docketwatch_fetcher_last_new_timestamp_seconds", "When a source last published a new document of a court (0: never).", labels, nil)
	descPublished = prometheus.NewDesc("docketwatch_fetcher_published_total", "Documents (and new versions) published since start.", labels, nil)
	descErrors    = prometheus.NewDesc("docketwatch_fetcher_poll_errors_total", "Failed polls since start.", labels, nil)
	descFailing   = prometheus.NewDesc("docketwatch_fetcher_consecutive_errors", "Failed polls in a row; 0 when the last poll worked.", labels, nil)
	descQuiet     = prometheus.NewDesc("docketwatch_fetcher_quiet", "1 when nothing new arrived for longer than the quiet threshold.", labels, nil)
	descStopped   = prometheus.NewDesc("docketwatch_fetcher_stopped", "1 when a source gave up on a permanent error.", labels, nil)
)

type statusCollector struct{ s *Service }

func (c statusCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descSuccess, descNew, descPublished, descErrors, descFailing, descQuiet, descStopped} {
		ch <- d
	}
}

func (c statusCollector) Collect(ch chan<- prometheus.Metric) {
	for _, st := range c.s.Status() {
		lv := []string{st.Source, st.Court}
		gauge := func(d *prometheus.Desc, v float64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, lv...)
		}
		gauge(descSuccess, stamp(st.LastSuccess))
		gauge(descNew, stamp(st.LastNew))
		ch <- prometheus.MustNewConstMetric(descPublished, prometheus.CounterValue, float64(st.Published), lv...)
		ch <- prometheus.MustNewConstMetric(descErrors, prometheus.CounterValue, float64(st.TotalErrors), lv...)
		gauge(descFailing, float64(st.Errors))
		gauge(descQuiet, boolGauge(st.Quiet))
		gauge(descStopped, boolGauge(st.Stopped))
	}
}

// stamp is a time as Unix seconds, 0 for never.
func stamp(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixNano()) / 1e9
}

func boolGauge(v bool) float64 {
	if v {
		return 1
	}
	return 0
}
