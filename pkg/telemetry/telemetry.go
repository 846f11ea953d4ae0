// Package telemetry holds docketwatch's Prometheus metrics: what every stage counts about
// its messages, and a collector that reads JetStream's own state (stream sizes, consumer
// backlog, parked messages) at scrape time, so the numbers are never stale or guessed.
package telemetry

import (
	"context"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
)

// Stages counts the messages each stage handles and how long they take.
type Stages struct {
	messages *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// NewStages registers the stage metrics with reg.
func NewStages(reg prometheus.Registerer) *Stages {
	s := &Stages{
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "docketwatch_stage_messages_total",
			Help: "Messages handled by a stage, by outcome: ack, retry, parked, skipped (another index shard's).",
		}, []string{"stage", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "docketwatch_stage_processing_seconds",
			Help:    "Time a stage spent on one message.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 10), // 1 ms .. ~4 min
		}, []string{"stage"}),
	}
	reg.MustRegister(s.messages, s.latency)
	return s
}

// OutcomeSkipped is the outcome of a message a stage passes over without work: another
// index shard's document. It is counted, not timed: the latency histogram is the work's.
const OutcomeSkipped = "skipped"

// Observe records one handled message; it fits bus.Consumer's Observe hook.
func (s *Stages) Observe(stage, outcome string, took time.Duration) {
	s.messages.WithLabelValues(stage, outcome).Inc()
	if outcome != OutcomeSkipped {
		s.latency.WithLabelValues(stage).Observe(took.Seconds())
	}
}

// Deliveries counts alert deliveries by channel (webhook, email) and outcome: delivered,
// failed (to be retried or parked), deferred (the endpoint was busy: nothing sent).
type Deliveries struct{ counter *prometheus.CounterVec }

// NewDeliveries registers the delivery counter with reg.
func NewDeliveries(reg prometheus.Registerer) *Deliveries {
	d := &Deliveries{counter: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "docketwatch_alert_deliveries_total",
		Help: "Alert deliveries attempted, by channel and outcome: delivered, failed, deferred.",
	}, []string{"channel", "outcome"})}
	reg.MustRegister(d.counter)
	return d
}

// For returns the recorder of one channel, fitting the deliverers' OnDelivery hook.
func (d *Deliveries) For(channel string) func(outcome string) {
	return func(outcome string) { d.counter.WithLabelValues(channel, outcome).Inc() }
}

// JetStream reports, at each scrape, the size of every stream and the backlog of every
// durable consumer: pending (not yet delivered) and unacknowledged messages.
type JetStream struct {
	js      jetstream.JetStream
	streams []string
	msgs    *prometheus.Desc
	bytes   *prometheus.Desc
	pending *prometheus.Desc
	unacked *prometheus.Desc
	redeliv *prometheus.Desc
}

// NewJetStream returns a collector over the named streams; register it once.
func NewJetStream(js jetstream.JetStream, streams ...string) *JetStream {
	return &JetStream{
		js: js, streams: streams,
		msgs:    prometheus.NewDesc("docketwatch_stream_messages", "Messages held in a stream (DEAD: parked work).", []string{"stream"}, nil),
		bytes:   prometheus.NewDesc("docketwatch_stream_bytes", "Bytes held in a stream.", []string{"stream"}, nil),
		pending: prometheus.NewDesc("docketwatch_consumer_pending_messages", "Messages a consumer has not been given yet: its lag.", []string{"stream", "consumer"}, nil),
		unacked: prometheus.NewDesc("docketwatch_consumer_unacked_messages", "Messages given to a consumer and not yet acknowledged.", []string{"stream", "consumer"}, nil),
		redeliv: prometheus.NewDesc("docketwatch_consumer_redelivered_messages", "Messages a consumer is being given again.", []string{"stream", "consumer"}, nil),
	}
}

func (j *JetStream) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{j.msgs, j.bytes, j.pending, j.unacked, j.redeliv} {
		ch <- d
	}
}

func (j *JetStream) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, name := range j.streams {
		str, err := j.js.Stream(ctx, name)
		if err != nil {
			continue // a scrape during an outage shows the gap rather than stale numbers
		}
		st := str.CachedInfo().State
		ch <- prometheus.MustNewConstMetric(j.msgs, prometheus.GaugeValue, float64(st.Msgs), name)
		ch <- prometheus.MustNewConstMetric(j.bytes, prometheus.GaugeValue, float64(st.Bytes), name)
		lister := str.ListConsumers(ctx)
		for info := range lister.Info() {
			if info.Config.Durable == "" {
				continue // ephemeral watchers (a CLI's ingest) are not stages
			}
			c := info.Config.Durable
			ch <- prometheus.MustNewConstMetric(j.pending, prometheus.GaugeValue, float64(info.NumPending), name, c)
			ch <- prometheus.MustNewConstMetric(j.unacked, prometheus.GaugeValue, float64(info.NumAckPending), name, c)
			ch <- prometheus.MustNewConstMetric(j.redeliv, prometheus.GaugeValue, float64(info.NumRedelivered), name, c)
		}
	}
}
