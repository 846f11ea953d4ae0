// Command fetcher runs docketwatch's fetcher against a NATS cluster: it polls the
// configured CourtListener courts and PACER RSS feeds, serves the CourtListener webhook
// and the sources' freshness over HTTP, or, with --backfill-court, runs one resumable
// backfill and exits.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/docketwatch/docketwatch/pkg/blob"
	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/run"
	"github.com/docketwatch/docketwatch/services/fetcher"
)

func main() {
	var cfg fetcher.Config
	var httpAddr, court, since, until string
	run.Service("fetcher", os.Args[1:], func(fs *flag.FlagSet) {
		cfg.RegisterFlags(fs)
		fs.StringVar(&httpAddr, "http", os.Getenv("DOCKETWATCH_FETCHER_HTTP"), "address serving POST /webhooks/courtlistener and GET /status (env DOCKETWATCH_FETCHER_HTTP)")
		fs.StringVar(&court, "backfill-court", "", "backfill this CourtListener court and exit")
		fs.StringVar(&since, "backfill-since", "", "backfill start (2024-04-15 or RFC 3339)")
		fs.StringVar(&until, "backfill-until", "", "backfill end, exclusive (default: now)")
	}, func(ctx context.Context, env run.Env) error {
		if err := cfg.Validate(); err != nil {
			return err
		}
		_, js, err := env.Connect("fetcher")
		if err != nil {
			return err
		}
		blobs, err := blob.NewNATS(ctx, js, bus.ObjectPDFs)
		if err != nil {
			return err
		}
		svc := fetcher.New(cfg, fetcher.Deps{JS: js, Blobs: blobs, Log: env.Log})
		// The sources' freshness: when each last answered, and how it failed since.
		env.Metrics.MustRegister(svc.Collector())
		if court != "" {
			return backfill(ctx, svc, court, since, until)
		}
		if httpAddr != "" {
			stop, err := serveHTTP(ctx, svc, httpAddr, env.Log)
			if err != nil {
				return err
			}
			defer stop()
		}
		return svc.Run(ctx)
	})
}

func backfill(ctx context.Context, svc *fetcher.Service, court, since, until string) error {
	if since == "" {
		return errors.New("--backfill-since is required")
	}
	from, err := fetcher.ParseTime(since)
	if err != nil {
		return err
	}
	var to time.Time
	if until != "" {
		if to, err = fetcher.ParseTime(until); err != nil {
			return err
		}
	}
	last := time.Time{}
	p, err := svc.Backfill(ctx, court, from, to, func(p fetcher.Progress) {
		if time.Since(last) < time.Second && !p.Finished {
			return
		}
		last = time.Now()
		eta := "unknown"
		if d := p.ETA(); d >= 0 {
			eta = d.Round(time.Second).String()
		}
		fmt.Fprintf(os.Stderr, "\r%s: %d/%d documents, %.1f docs/s, ETA %s   ", court, p.Done, p.Total, p.Rate(), eta)
	})
	fmt.Fprintln(os.Stderr)
	if err != nil {
		return err
	}
	fmt.Printf("%s: backfill finished: %d documents, %d newly published\n", court, p.Done, p.Published)
	return nil
}

func serveHTTP(ctx context.Context, svc *fetcher.Service, addr string, log *slog.Logger) (stop func(), err error) {
	mux := http.NewServeMux()
	mux.Handle("GET /status", svc.StatusHandler())
	if wh, err := svc.WebhookHandler(ctx); err == nil {
		mux.Handle("POST /webhooks/courtlistener", wh)
	} else {
		log.Info("courtlistener webhook not served", "err", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("http server stopped", "err", err)
		}
	}()
	return func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}, nil
}
