package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/job"
	"github.com/nats-io/nats.go/jetstream"
)

// AdminDeps are what the job and DEAD endpoints call.
type AdminDeps struct {
	// JS reads and writes the jobs bucket and the DEAD stream.
	JS jetstream.JetStream
	// Token authorises every call (Authorization: Bearer TOKEN); reads take a web
	// session too. Empty refuses them all.
	Token string
	// Sessions are the signed-out web sessions (nil: none are revoked).
	Sessions *Sessions
	// JobKinds are the kinds a client may start (extractor.ReextractKind, …); a kind
	// no runner handles would wait for ever, so others are refused.
	JobKinds []string
	// CreateJobs, when set, records the jobs that one request starts: a re-index of a
	// sharded index is one job per shard. Without it a request makes one job.
	CreateJobs func(ctx context.Context, s *job.Store, kind string, sel job.Selection) ([]*job.Job, error)
	Log        *slog.Logger
}

// maxListedParked bounds a DEAD listing; the CLI reads further.
const maxListedParked = 1000

// AdminRoutes adds the operator endpoints to mux, every one behind the token:
//
//	GET  /api/v1/jobs                  the batch jobs, newest first
//	POST /api/v1/jobs                  start one: {"kind": "reextract", "selection": {...}};
//	                                   a request that makes several jobs answers {"jobs": [...]}
//	GET  /api/v1/jobs/{id}             one job
//	POST /api/v1/jobs/{id}/cancel      cancel it
//	GET  /api/v1/dead                  the parked messages (without their bodies), at most 1,000
//	GET  /api/v1/dead/{seq}            one, with its body
//	POST /api/v1/dead/{seq}/retry      put it back on its stage's subject
func AdminRoutes(mux *http.ServeMux, d AdminDeps) {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	a := &admin{AdminDeps: d, auth: NewAuth(d.Token, d.Sessions)}
	mux.HandleFunc("GET /api/v1/jobs", a.guard(true, a.listJobs))
	mux.HandleFunc("POST /api/v1/jobs", a.guard(false, a.startJob))
	mux.HandleFunc("GET /api/v1/jobs/{id}", a.guard(true, a.showJob))
	mux.HandleFunc("POST /api/v1/jobs/{id}/cancel", a.guard(false, a.cancelJob))
	mux.HandleFunc("GET /api/v1/dead", a.guard(true, a.listDead))
	mux.HandleFunc("GET /api/v1/dead/{seq}", a.guard(true, a.showDead))
	mux.HandleFunc("POST /api/v1/dead/{seq}/retry", a.guard(false, a.retryDead))
}

type admin struct {
	AdminDeps
	auth *Auth

	jobs Opened[job.Store]
}

// guard checks the token; session admits a web session (reads only).
func (a *admin) guard(session bool, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if v := a.auth.Check(r, session); v != Granted {
			deny(w, v, r.Method+" "+r.URL.Path)
			return
		}
		if a.JS == nil {
			writeError(w, http.StatusServiceUnavailable, "jobs and parked messages are not reachable from this node", nil)
			return
		}
		h(w, r)
	}
}

func (a *admin) store(ctx context.Context) (*job.Store, error) {
	return a.jobs.Get(func() (*job.Store, error) { return job.NewStore(ctx, a.JS) })
}

func (a *admin) withStore(w http.ResponseWriter, r *http.Request, f func(context.Context, *job.Store)) {
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	s, err := a.store(ctx)
	if err != nil {
		a.Log.Error("opening jobs", "err", err)
		writeError(w, http.StatusServiceUnavailable, "opening the jobs: "+err.Error(), nil)
		return
	}
	f(ctx, s)
}

func (a *admin) jobError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, job.ErrNotFound):
		writeError(w, http.StatusNotFound, err.Error(), nil)
	case errors.Is(err, job.ErrConflict):
		writeError(w, http.StatusConflict, err.Error(), nil)
	default:
		writeError(w, http.StatusServiceUnavailable, err.Error(), nil)
	}
}

func (a *admin) listJobs(w http.ResponseWriter, r *http.Request) {
	a.withStore(w, r, func(ctx context.Context, s *job.Store) {
		jobs, err := s.List(ctx)
		if err != nil {
			a.jobError(w, err)
			return
		}
		if jobs == nil {
			jobs = []*job.Job{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"jobs": jobs})
	})
}

func (a *admin) showJob(w http.ResponseWriter, r *http.Request) {
	a.onJob(w, r, func(ctx context.Context, s *job.Store, id string) (*job.Job, error) { return s.Get(ctx, id) })
}

// onJob answers with the job op returns for the id in the path, or op's error.
func (a *admin) onJob(w http.ResponseWriter, r *http.Request, op func(ctx context.Context, s *job.Store, id string) (*job.Job, error)) {
	a.withStore(w, r, func(ctx context.Context, s *job.Store) {
		j, err := op(ctx, s, r.PathValue("id"))
		if err != nil {
			a.jobError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, j)
	})
}

func (a *admin) startJob(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Kind      string        `json:"kind"`
		Selection job.Selection `json:"selection"`
	}
	if !decodeBody(w, r, 16<<10, &in, "job") {
		return
	}
	if !slices.Contains(a.JobKinds, in.Kind) {
		writeError(w, http.StatusBadRequest, "unknown job kind "+strconv.Quote(in.Kind)+"; this server runs "+strings.Join(a.JobKinds, ", "), nil)
		return
	}
	a.withStore(w, r, func(ctx context.Context, s *job.Store) {
		create := a.CreateJobs
		if create == nil {
			create = func(ctx context.Context, s *job.Store, kind string, sel job.Selection) ([]*job.Job, error) {
				j, err := s.Create(ctx, kind, sel)
				return []*job.Job{j}, err
			}
		}
		jobs, err := create(ctx, s, in.Kind, in.Selection)
		if err != nil {
			a.jobError(w, err)
			return
		}
		for _, j := range jobs {
			a.Log.Info("job created over http", "job", j.ID, "kind", j.Kind)
		}
		w.Header().Set("Location", "/api/v1/jobs/"+jobs[0].ID)
		if len(jobs) == 1 {
			writeJSON(w, http.StatusCreated, jobs[0])
			return
		}
		writeJSON(w, http.StatusCreated, map[string]any{"jobs": jobs})
	})
}

func (a *admin) cancelJob(w http.ResponseWriter, r *http.Request) {
	a.onJob(w, r, func(ctx context.Context, s *job.Store, id string) (*job.Job, error) {
		j, err := s.Cancel(ctx, id)
		if err == nil {
			a.Log.Info("job cancelled over http", "job", j.ID)
		}
		return j, err
	})
}

func (a *admin) listDead(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	parked, err := bus.ListParked(ctx, a.JS, maxListedParked)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, err.Error(), nil)
		return
	}
	for i := range parked {
		parked[i].Data = nil // a summary; GET /api/v1/dead/{seq} has the body
	}
	if parked == nil {
		parked = []bus.ParkedMsg{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"parked": parked})
}

// onParked runs op on the parked message whose sequence number the path names ({seq}),
// answering a bad number or op's error itself.
func (a *admin) onParked(w http.ResponseWriter, r *http.Request, op func(ctx context.Context, seq uint64) error) {
	n, err := strconv.ParseUint(r.PathValue("seq"), 10, 64)
	if err != nil || n == 0 {
		writeError(w, http.StatusBadRequest, "a parked message is named by its sequence number, a positive whole number", nil)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	if err := op(ctx, n); err != nil {
		a.deadError(w, n, err)
	}
}

func (a *admin) showDead(w http.ResponseWriter, r *http.Request) {
	a.onParked(w, r, func(ctx context.Context, n uint64) error {
		p, err := bus.GetParked(ctx, a.JS, n)
		if err == nil {
			writeJSON(w, http.StatusOK, p)
		}
		return err
	})
}

func (a *admin) retryDead(w http.ResponseWriter, r *http.Request) {
	a.onParked(w, r, func(ctx context.Context, n uint64) error {
		err := bus.RetryParked(ctx, a.JS, n)
		if err == nil {
			a.Log.Info("parked message retried over http", "seq", n)
			writeJSON(w, http.StatusOK, map[string]any{"retried": n})
		}
		return err
	})
}

func (a *admin) deadError(w http.ResponseWriter, n uint64, err error) {
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		writeError(w, http.StatusNotFound, "no parked message "+strconv.FormatUint(n, 10)+"; it may have been retried already", nil)
		return
	}
	a.Log.Error("parked message", "seq", n, "err", err)
	writeError(w, http.StatusServiceUnavailable, err.Error(), nil)
}
