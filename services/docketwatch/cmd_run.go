package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"strings"

	"github.com/docketwatch/docketwatch/services/docketwatch/node"
)

// cmdRun runs roles until interrupted: every role for `run`, one for `docketwatch
// extractor` and the other role verbs (which are meant for a NATS cluster: --nats).
func cmdRun(ctx context.Context, verb string, args []string) error {
	fs := flag.NewFlagSet(verb, flag.ContinueOnError)
	var c common
	c.register(fs)
	addr := fs.String("http", envOr("DOCKETWATCH_HTTP", "127.0.0.1:8080"), "HTTP listen address of the API role (env DOCKETWATCH_HTTP; empty: no HTTP)")
	roles := fs.String("roles", "", "roles to run, comma-separated (default: all for run)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	cfg := node.Config{DataDir: c.data, NATS: c.NATS, Replicas: c.Replicas, HTTPAddr: *addr, Log: c.Logger(slog.LevelInfo)}
	switch {
	case verb != "run":
		cfg.Roles = []string{verb}
	case *roles != "":
		cfg.Roles = strings.Split(*roles, ",")
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
		fmt.Printf("%s serving %s (data %s); Ctrl-C stops\n", what, n.HTTPURL, c.data)
	} else {
		fmt.Printf("%s running (data %s); Ctrl-C stops\n", what, c.data)
	}
	<-ctx.Done()
	fmt.Println("docketwatch: draining and stopping")
	n.Close()
	return nil
}
