package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"strings"

	"github.com/docketwatch/docketwatch/services/docketwatch/node"
	"github.com/docketwatch/docketwatch/services/fetcher"
)

// runOptions are the flags of `run` and of the role verbs.
type runOptions struct {
	common
	addr    string
	roles   string
	fetcher fetcher.Config
}

func runFlags(verb string) (*flag.FlagSet, *runOptions) {
	fs := flag.NewFlagSet(verb, flag.ContinueOnError)
	o := &runOptions{}
	o.register(fs)
	fs.StringVar(&o.addr, "http", envOr("DOCKETWATCH_HTTP", "127.0.0.1:8080"), "HTTP listen address of the API role (env DOCKETWATCH_HTTP; empty: no HTTP)")
	fs.StringVar(&o.roles, "roles", "", "roles to run, comma-separated (default: all for run)")
	o.fetcher.RegisterFlags(fs)
	return fs, o
}

// cmdRun runs roles until interrupted: every role for `run`, one for `docketwatch
// extractor` and the other role verbs (which are meant for a NATS cluster: --nats).
func cmdRun(ctx context.Context, verb string, args []string) error {
	fs, o := runFlags(verb)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	cfg := node.Config{DataDir: o.data, NATS: o.NATS, Replicas: o.Replicas, HTTPAddr: o.addr, Fetcher: o.fetcher, Log: o.Logger(slog.LevelInfo)}
	switch {
	case verb != "run":
		cfg.Roles = []string{verb}
	case o.roles != "":
		cfg.Roles = strings.Split(o.roles, ",")
	}
	n, err := node.Start(ctx, cfg)
	if err != nil {
		return err
	}
	what := "docketwatch"
	if verb != "run" {
		what += " " + verb
	}
	if n.HTTPURL != "" {
		fmt.Printf("%s serving %s (data %s); Ctrl-C stops\n", what, n.HTTPURL, o.data)
	} else {
		fmt.Printf("%s running (data %s); Ctrl-C stops\n", what, o.data)
	}
	<-ctx.Done()
	fmt.Println("docketwatch: draining and stopping")
	n.Close()
	return nil
}
