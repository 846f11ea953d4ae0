package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"

	"github.com/docketwatch/docketwatch/services/docketwatch/datadir"
	"github.com/docketwatch/docketwatch/services/docketwatch/node"
)

// runOptions are the flags of `run` and of the role verbs: the same for all of them.
type runOptions struct {
	common
	node node.Config
}

// runFlags is the flag set of `run` and of every role verb: the flags every verb takes
// and every role's settings, so that a role takes the same flags however it is started.
func runFlags(verb string) (*flag.FlagSet, *runOptions) {
	fs := flag.NewFlagSet(verb, flag.ContinueOnError)
	o := &runOptions{}
	o.registerSettings(fs)
	o.node.RegisterFlags(fs)
	return fs, o
}

// config is the node's configuration from the flags: every role for `run` (or those of
// --roles), one for `docketwatch extractor` and the other role verbs.
func (o *runOptions) config(verb string) node.Config {
	cfg := o.node
	cfg.DataDir, cfg.NATS, cfg.Replicas = o.data, o.NATS, o.Replicas
	if verb != "run" {
		cfg.Roles = []string{verb}
	}
	// A long-running role waits for a NATS that is not up yet rather than exit into a
	// crash loop; the waiting, and later losses of the server, go to its log.
	cfg.NATS.WaitForServers = true
	return cfg
}

// cmdRun runs roles until interrupted: every role for `run`, one for `docketwatch
// extractor` and the other role verbs (which are meant for a NATS cluster: --nats).
func cmdRun(ctx context.Context, verb string, args []string) error {
	fs, o := runFlags(verb)
	if err := noArgs(fs, args); err != nil {
		return err
	}
	if err := o.Flags.Validate(); err != nil {
		return err
	}
	cfg := o.config(verb)
	if err := cfg.Validate(); err != nil {
		return err
	}
	if cfg.API.Policy.Token == "" && cfg.NATS.URLs == "" {
		// An embedded docketwatch is one person's: give its web UI a sign-in token of
		// its own, kept in the data directory, rather than leave every write refused.
		path, tok, err := datadir.APIToken(o.data)
		if err != nil {
			return err
		}
		cfg.API.Policy.Token = tok
		fmt.Fprintf(os.Stderr, "docketwatch: API and web sign-in token in %s\n", path)
	}
	log := o.Logger(slog.LevelInfo)
	slog.SetDefault(log)
	cfg.Log = log
	service := "docketwatch"
	if verb != "run" {
		service += "-" + verb
	}
	stopTracing, err := o.StartTracing(ctx, service, log)
	if err != nil {
		return err
	}
	defer stopTracing()
	n, err := node.Start(ctx, cfg)
	if err != nil {
		return err
	}
	announce(verb, o.data, n)
	<-ctx.Done()
	fmt.Println("docketwatch: draining and stopping")
	n.Close()
	return nil
}

// announce says what runs and where.
func announce(verb, data string, n *node.Node) {
	what := "docketwatch"
	if verb != "run" {
		what += " " + verb
	}
	where := "data " + data
	if n.OpsURL != "" {
		where += ", metrics " + n.OpsURL
	}
	if n.HTTPURL != "" {
		fmt.Printf("%s serving %s (%s); Ctrl-C stops\n", what, n.HTTPURL, where)
	} else {
		fmt.Printf("%s running (%s); Ctrl-C stops\n", what, where)
	}
}
