package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/job"
	"github.com/docketwatch/docketwatch/pkg/sourcestatus"
	"github.com/docketwatch/docketwatch/services/extractor/docmeta"
	"github.com/nats-io/nats.go/jetstream"
)

// Bounds of the status page.
const (
	maxParkedShown = 200
	maxJobsShown   = 20
	// rateWindow is how far back the throughput is measured, between views of the page.
	rateWindow = 5 * time.Minute
)

// pipelineStreams are the streams whose consumers are the pipeline's stages, in order.
var pipelineStreams = []string{bus.Filings, bus.Texts, bus.Indexed, bus.Alerts, bus.Dead}

type consumerRow struct {
	Stream, Consumer string
	Pending          uint64
	Unacked          int
	Redelivered      int
	Delivered        uint64
	LastActive       string
	Rate             string
}

type streamRow struct {
	Name        string
	Msgs, Bytes uint64
}

type stageRow struct {
	Stage              string
	Ack, Retry, Parked uint64
	Mean               string
	Rate               string
}

type parkedRow struct {
	bus.ParkedMsg
	DocURL string
	// Title names the parked document (docmeta.Title), empty when the message holds none.
	Title string
}

// sourceRow is one source's freshness, as GET /api/v1/sources answers it, and its
// times as the page says them.
type sourceRow struct {
	sourcestatus.Court
	SuccessAgo, NewAgo, NextIn string
}

type jobRow struct {
	*job.Job
	Percent string
}

type statusData struct {
	Consumers   []consumerRow
	Streams     []streamRow
	PipelineErr string
	Stages      []stageRow
	StagesErr   string
	Parked      []parkedRow
	ParkedTotal uint64
	ParkedErr   string
	Sources     []sourceRow
	SourcesErr  string
	Spend       *spendView // spend.go
	SpendErr    string
	Jobs        []jobRow
	JobsErr     string
	// JobCounts is how many jobs are in each state: what a reader without a session sees
	// of the jobs.
	JobCounts map[job.State]int
	// Details: the reader is signed in and sees parked messages, jobs and source errors;
	// anyone else sees counts only, since those carry webhook addresses, document ids
	// and the paths files were ingested from (SECURITY.md).
	Details bool
	// NotReady is why the process is not ready (a full disk, NATS unreachable), if it is not.
	NotReady string
	Now      time.Time
}

func (u *ui) statusPage(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 15*time.Second)
	defer cancel()
	now := u.Now()
	d := &statusData{Now: now, Details: u.auth.SignedIn(r)}
	if u.Health != nil {
		if err := u.Health(ctx); err != nil {
			d.NotReady = err.Error()
		}
	}
	counts := map[string]uint64{}
	if err := u.pipeline(ctx, d, counts); err != nil {
		d.PipelineErr = err.Error()
	}
	if err := u.stages(d, counts); err != nil {
		d.StagesErr = err.Error()
	}
	rates := u.rates.observe(now, counts)
	for i := range d.Consumers {
		d.Consumers[i].Rate = rates["consumer/"+d.Consumers[i].Stream+"/"+d.Consumers[i].Consumer]
	}
	for i := range d.Stages {
		d.Stages[i].Rate = rates["stage/"+d.Stages[i].Stage]
	}
	if err := u.parked(ctx, d); err != nil {
		d.ParkedErr = err.Error()
	}
	if err := u.sources(r, d); err != nil {
		d.SourcesErr = err.Error()
	}
	if err := u.spend(r, d); err != nil {
		d.SpendErr = err.Error()
	}
	if err := u.jobList(ctx, d); err != nil {
		d.JobsErr = err.Error()
	}
	p := page{Title: "Status", Nav: "status", Data: d}
	if s := r.URL.Query().Get("retried"); s != "" {
		if seq, err := strconv.ParseUint(s, 10, 64); err == nil {
			p.Flash = fmt.Sprintf("Sent parked message %d back to its stage; it leaves this list, and comes back only if it fails again.", seq)
		}
	}
	u.render(w, r, http.StatusOK, "status", p)
}

// pipeline reads each stream's size and each durable consumer's backlog from JetStream.
func (u *ui) pipeline(ctx context.Context, d *statusData, counts map[string]uint64) error {
	if u.JS == nil {
		return fmt.Errorf("the pipeline is not reachable from this node")
	}
	for _, name := range pipelineStreams {
		str, err := u.JS.Stream(ctx, name)
		if err != nil {
			return fmt.Errorf("reading stream %s: %w", name, err)
		}
		st := str.CachedInfo().State
		d.Streams = append(d.Streams, streamRow{Name: name, Msgs: st.Msgs, Bytes: st.Bytes})
		lister := str.ListConsumers(ctx)
		var infos []*jetstream.ConsumerInfo
		for info := range lister.Info() {
			if info.Config.Durable != "" {
				infos = append(infos, info)
			}
		}
		if err := lister.Err(); err != nil {
			return fmt.Errorf("listing consumers of %s: %w", name, err)
		}
		sort.Slice(infos, func(i, j int) bool { return infos[i].Name < infos[j].Name })
		for _, info := range infos {
			row := consumerRow{Stream: name, Consumer: info.Name, Pending: info.NumPending, Unacked: info.NumAckPending,
				Redelivered: info.NumRedelivered, Delivered: info.Delivered.Consumer, LastActive: "never"}
			if info.Delivered.Last != nil {
				row.LastActive = ago(d.Now, *info.Delivered.Last)
			}
			counts["consumer/"+name+"/"+info.Name] = info.Delivered.Consumer
			d.Consumers = append(d.Consumers, row)
		}
	}
	return nil
}

// stages reads the stage counters this process keeps (other processes' stages are on
// their own /metrics).
func (u *ui) stages(d *statusData, counts map[string]uint64) error {
	if u.Metrics == nil {
		return nil
	}
	fams, err := u.Metrics.Gather()
	if err != nil {
		return fmt.Errorf("reading metrics: %w", err)
	}
	rows := map[string]*stageRow{}
	row := func(stage string) *stageRow {
		if rows[stage] == nil {
			rows[stage] = &stageRow{Stage: stage, Mean: "–"}
		}
		return rows[stage]
	}
	for _, f := range fams {
		switch f.GetName() {
		case "docketwatch_stage_messages_total":
			for _, m := range f.GetMetric() {
				var stage, outcome string
				for _, l := range m.GetLabel() {
					switch l.GetName() {
					case "stage":
						stage = l.GetValue()
					case "outcome":
						outcome = l.GetValue()
					}
				}
				n := uint64(m.GetCounter().GetValue())
				r := row(stage)
				switch outcome {
				case "ack":
					r.Ack += n
				case "retry":
					r.Retry += n
				default:
					r.Parked += n
				}
				counts["stage/"+stage] += n
			}
		case "docketwatch_stage_processing_seconds":
			for _, m := range f.GetMetric() {
				for _, l := range m.GetLabel() {
					if l.GetName() == "stage" {
						h := m.GetHistogram()
						if h.GetSampleCount() > 0 {
							mean := time.Duration(h.GetSampleSum() / float64(h.GetSampleCount()) * float64(time.Second))
							row(l.GetValue()).Mean = mean.Round(time.Millisecond / 10).String()
						}
					}
				}
			}
		}
	}
	for _, r := range rows {
		d.Stages = append(d.Stages, *r)
	}
	sort.Slice(d.Stages, func(i, j int) bool { return d.Stages[i].Stage < d.Stages[j].Stage })
	return nil
}

func (u *ui) parked(ctx context.Context, d *statusData) error {
	if u.JS == nil {
		return fmt.Errorf("parked messages are not reachable from this node")
	}
	str, err := u.JS.Stream(ctx, bus.Dead)
	if err != nil {
		return fmt.Errorf("reading DEAD: %w", err)
	}
	d.ParkedTotal = str.CachedInfo().State.Msgs
	if !d.Details {
		return nil
	}
	msgs, err := bus.ListParked(ctx, u.JS, maxParkedShown)
	if err != nil {
		return err
	}
	for _, m := range msgs {
		row := parkedRow{ParkedMsg: m}
		if doc, ok := m.Document(); ok {
			row.Title = docmeta.Title(doc)
		}
		if m.ID != "" && m.ID.Validate() == nil {
			row.DocURL = docPath(m.ID)
		}
		d.Parked = append(d.Parked, row)
	}
	return nil
}

func (u *ui) sources(r *http.Request, d *statusData) error {
	if u.Sources == nil {
		return nil
	}
	// The fetcher's status handler is in this process: call it as the API does and
	// read its JSON, the one contract both sides keep.
	req := httptest.NewRequestWithContext(r.Context(), http.MethodGet, "/api/v1/sources", nil)
	rec := httptest.NewRecorder()
	u.Sources.ServeHTTP(rec, req)
	var body struct {
		Sources []sourceRow `json:"sources"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		return fmt.Errorf("reading the sources' status (HTTP %d): %w", rec.Code, err)
	}
	for _, s := range body.Sources {
		if !d.Details {
			s.LastError = ""
		}
		s.SuccessAgo, s.NewAgo = ago(d.Now, s.LastSuccess), ago(d.Now, s.LastNew)
		s.NextIn = "–"
		if !s.NextPoll.IsZero() && !s.Stopped {
			s.NextIn = ago(d.Now, s.NextPoll)
		}
		d.Sources = append(d.Sources, s)
	}
	return nil
}

func (u *ui) jobList(ctx context.Context, d *statusData) error {
	store, err := u.jobStore(ctx)
	if err != nil {
		return err
	}
	jobs, err := store.List(ctx)
	if err != nil {
		return err
	}
	d.JobCounts = map[job.State]int{}
	for _, j := range jobs {
		d.JobCounts[j.State]++
	}
	if !d.Details {
		return nil
	}
	// Unfinished jobs first, then the latest finished ones.
	sort.SliceStable(jobs, func(i, j int) bool { return !jobs[i].State.Finished() && jobs[j].State.Finished() })
	for _, j := range jobs[:min(len(jobs), maxJobsShown)] {
		row := jobRow{Job: j}
		if j.Total > 0 {
			row.Percent = fmt.Sprintf("%.0f%%", float64(j.Done)*100/float64(j.Total))
		}
		d.Jobs = append(d.Jobs, row)
	}
	return nil
}

func (u *ui) retryParked(w http.ResponseWriter, r *http.Request) {
	seq, err := strconv.ParseUint(r.PathValue("seq"), 10, 64)
	if err != nil || seq == 0 {
		u.fail(w, r, http.StatusBadRequest, "That is not a parked message number.")
		return
	}
	if u.JS == nil {
		u.fail(w, r, http.StatusServiceUnavailable, "Parked messages are not reachable from this node.")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), searchTimeout)
	defer cancel()
	if err := bus.RetryParked(ctx, u.JS, seq); err != nil {
		u.Log.Error("web retry", "seq", seq, "err", err)
		u.fail(w, r, http.StatusConflict, fmt.Sprintf("Parked message %d could not be retried: %v. It may have been retried already; reload the status page.", seq, err))
		return
	}
	u.Log.Info("parked message retried from the web", "seq", seq)
	seeOther(w, r, "/status", url.Values{"retried": {strconv.FormatUint(seq, 10)}})
}

// rates turns counters seen at successive views of the status page into per-minute
// rates: the page has no background sampler, so the first view shows none.
type rates struct {
	mu      sync.Mutex
	samples []rateSample
}

type rateSample struct {
	at     time.Time
	counts map[string]uint64
}

func (r *rates) observe(now time.Time, counts map[string]uint64) map[string]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]string{}
	// The oldest sample inside the window is the base; older ones are dropped.
	for len(r.samples) > 1 && now.Sub(r.samples[1].at) > rateWindow {
		r.samples = r.samples[1:]
	}
	if len(r.samples) > 0 && now.Sub(r.samples[0].at) > rateWindow {
		r.samples = r.samples[1:]
	}
	if len(r.samples) > 0 {
		base := r.samples[0]
		if secs := now.Sub(base.at).Seconds(); secs >= 1 {
			for k, n := range counts {
				if was, ok := base.counts[k]; ok && n >= was {
					out[k] = fmt.Sprintf("%.1f/min", float64(n-was)*60/secs)
				}
			}
		}
	}
	if len(r.samples) < 64 {
		r.samples = append(r.samples, rateSample{at: now, counts: counts})
	} else {
		r.samples[len(r.samples)-1] = rateSample{at: now, counts: counts}
	}
	return out
}
