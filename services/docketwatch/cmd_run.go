package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/services/docketwatch/node"
)

// cmdRun runs roles until interrupted: every role for `run`, one for `docketwatch
// extractor` and the other role verbs (which are meant for a NATS cluster: --nats).
func cmdRun(ctx context.Context, verb string, args []string) error {
	fs := flag.NewFlagSet(verb, flag.ContinueOnError)
	var c common
	c.register(fs)
	addr := fs.String("http", envOr("DOCKETWATCH_HTTP", "127.0.0.1:8080"), "HTTP listen address of the API role (env DOCKETWATCH_HTTP; empty: no HTTP)")
	var conn bus.ConnConfig
	fs.StringVar(&conn.URLs, "nats", os.Getenv("DOCKETWATCH_NATS"), "NATS cluster URLs, comma-separated (env DOCKETWATCH_NATS); empty embeds a server")
	fs.StringVar(&conn.User, "nats-user", os.Getenv("DOCKETWATCH_NATS_USER"), "NATS user (password from env DOCKETWATCH_NATS_PASSWORD)")
	fs.StringVar(&conn.CredsFile, "nats-creds", os.Getenv("DOCKETWATCH_NATS_CREDS"), "NATS credentials file")
	fs.StringVar(&conn.NKeyFile, "nats-nkey", os.Getenv("DOCKETWATCH_NATS_NKEY"), "NATS nkey seed file")
	replicas := fs.Int("replicas", 1, "stream and bucket replicas when creating them (3 on a 3-node cluster)")
	roles := fs.String("roles", "", "roles to run, comma-separated (default: all for run)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	conn.Password = os.Getenv("DOCKETWATCH_NATS_PASSWORD")
	conn.Token = os.Getenv("DOCKETWATCH_NATS_TOKEN")
	if c.logLvl == "" {
		c.logLvl = "info"
	}
	cfg := node.Config{DataDir: c.data, NATS: conn, Replicas: *replicas, HTTPAddr: *addr, Log: c.logger()}
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
