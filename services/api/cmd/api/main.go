// Command api serves docketwatch's HTTP API against a NATS cluster; it holds no data and
// scales by running more of it.
package main

import (
	"context"
	"errors"
	"flag"
	"net/http"
	"os"
	"time"

	"github.com/docketwatch/docketwatch/pkg/alert"
	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/run"
	"github.com/docketwatch/docketwatch/pkg/search"
	"github.com/docketwatch/docketwatch/pkg/telemetry/tracing"
	"github.com/docketwatch/docketwatch/services/api"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

func main() {
	addr := ":8080"
	var policy api.Policy
	var pf *api.PolicyFlags
	run.Service("api", os.Args[1:], func(fs *flag.FlagSet) {
		fs.StringVar(&addr, "http", addr, "HTTP listen address")
		pf = policy.RegisterFlags(fs)
	}, func(ctx context.Context, env run.Env) error {
		if err := pf.Load(); err != nil {
			return err
		}
		policy.Log = env.Log
		nc, js, err := env.Connect("client")
		if err != nil {
			return err
		}
		rules, err := alert.OpenStore(ctx, js)
		if err != nil {
			return err
		}
		searcher := search.NewRemote(nc, bus.SearchSubject)
		mux := http.NewServeMux()
		// The API's own /metrics, /healthz and /readyz answer as --metrics does, and
		// ready means as well that the index answers a search.
		mux.Handle("GET /metrics", promhttp.HandlerFor(env.Metrics, promhttp.HandlerOpts{}))
		h := api.Handler(api.Deps{
			Searcher: searcher, Log: env.Log,
			Ready: func(ctx context.Context) error {
				if err := env.Ready.Check(); err != nil {
					return err
				}
				return searcher.Answering(ctx)
			},
		})
		mux.Handle("/api/", h)
		mux.Handle("/healthz", h)
		mux.Handle("/readyz", h)
		api.AlertRoutes(mux, api.AlertDeps{Store: rules, JS: js, Token: policy.Token, Log: env.Log})
		api.AdminRoutes(mux, api.AdminDeps{JS: js, Token: policy.Token, JobKinds: []string{"reextract"}, Log: env.Log})
		srv := &http.Server{Addr: addr, ReadHeaderTimeout: 10 * time.Second, MaxHeaderBytes: 64 << 10,
			Handler: tracing.Handler(api.Protect(mux, policy))}
		errc := make(chan error, 1)
		go func() { errc <- srv.ListenAndServe() }()
		select {
		case err := <-errc:
			return err
		case <-ctx.Done():
		}
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
}
