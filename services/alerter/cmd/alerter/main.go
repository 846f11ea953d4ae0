// Command alerter runs docketwatch's alerting against a NATS cluster: it matches each
// indexed document against the saved rules, publishes the alerts, and delivers them to
// webhooks and, with --smtp-host, by email. It holds no data and scales by running more
// of it: the processes share each stage's durable consumer.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"sync"

	"github.com/docketwatch/docketwatch/pkg/alert"
	"github.com/docketwatch/docketwatch/pkg/run"
	"github.com/docketwatch/docketwatch/pkg/telemetry"
	"github.com/docketwatch/docketwatch/services/alerter"
	"github.com/docketwatch/docketwatch/services/alerter/email"
	"github.com/docketwatch/docketwatch/services/alerter/webhook"
	"github.com/docketwatch/docketwatch/services/indexer"
)

func main() {
	var cfg alerter.Config
	var smtp email.Config
	run.Service("alerter", os.Args[1:], func(fs *flag.FlagSet) {
		// The same flags and variables as `docketwatch alerter`.
		fs.StringVar(&cfg.BaseURL, "base-url", os.Getenv("DOCKETWATCH_BASE_URL"), "public address of the web UI and API, for links in alerts (env DOCKETWATCH_BASE_URL)")
		fs.StringVar(&smtp.Host, "smtp-host", os.Getenv("DOCKETWATCH_SMTP_HOST"), "SMTP relay for alert email (env DOCKETWATCH_SMTP_HOST); the password only from env DOCKETWATCH_SMTP_PASSWORD")
		fs.IntVar(&smtp.Port, "smtp-port", 0, "SMTP port (default 587, or 465 with --smtp-tls tls)")
		fs.StringVar(&smtp.Username, "smtp-user", os.Getenv("DOCKETWATCH_SMTP_USER"), "SMTP user (env DOCKETWATCH_SMTP_USER)")
		fs.StringVar(&smtp.From, "smtp-from", os.Getenv("DOCKETWATCH_SMTP_FROM"), "sender address of alert email (env DOCKETWATCH_SMTP_FROM)")
		fs.StringVar(&smtp.TLS, "smtp-tls", "", "SMTP TLS: starttls (default), tls (implicit, port 465) or none")
		smtp.Password = os.Getenv("DOCKETWATCH_SMTP_PASSWORD")
	}, func(ctx context.Context, env run.Env) error {
		deliveries := telemetry.NewDeliveries(env.Metrics)
		// Each stage gets its own connection (STACK.md: a shared one can stall).
		_, alJS, err := env.Connect("matcher")
		if err != nil {
			return err
		}
		cfg.Observe = env.Stages.Observe
		al, err := alerter.New(ctx, cfg, alJS, indexer.Mapping(), env.Log)
		if err != nil {
			return err
		}
		stages := map[string]func(context.Context) error{"alerter": al.Run}
		_, whJS, err := env.Connect("webhook")
		if err != nil {
			return err
		}
		rules, err := alert.OpenStore(ctx, whJS)
		if err != nil {
			return err
		}
		stages["webhook"] = webhook.New(webhook.Config{Observe: env.Stages.Observe, OnDelivery: deliveries.For("webhook")}, whJS, rules, env.Log).Run
		if smtp.Host != "" {
			_, emJS, err := env.Connect("email")
			if err != nil {
				return err
			}
			smtp.Observe, smtp.OnDelivery = env.Stages.Observe, deliveries.For("email")
			em, err := email.New(smtp, emJS, rules, env.Log)
			if err != nil {
				return err
			}
			stages["email"] = em.Run
		}
		return runAll(ctx, stages, env)
	})
}

// runAll runs the stages until ctx ends and they have drained. A stage that stops on its
// own stops the others and the process, with its error, so that the orchestrator
// restarts it rather than leave a process that delivers without matching, or the reverse.
func runAll(ctx context.Context, stages map[string]func(context.Context) error, env run.Env) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for name, stage := range stages {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := stage(ctx)
			if ctx.Err() != nil {
				return // stopping: the stage drained
			}
			if err == nil {
				err = errors.New("stopped")
			}
			once.Do(func() { first = fmt.Errorf("stage %s: %w", name, err) })
			env.Log.Error("stage stopped", "stage", name, "err", err)
			cancel()
		}()
	}
	wg.Wait()
	return first
}
