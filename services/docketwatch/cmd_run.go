package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/docketwatch/docketwatch/services/docketwatch/node"
)

func cmdRun(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	var c common
	c.register(fs)
	addr := fs.String("http", envOr("DOCKETWATCH_HTTP", "127.0.0.1:8080"), "HTTP listen address (env DOCKETWATCH_HTTP)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if c.logLvl == "" {
		c.logLvl = "info"
	}
	log := c.logger()
	n, err := node.Start(ctx, node.Config{DataDir: c.data, HTTPAddr: *addr, Log: log})
	if err != nil {
		return err
	}
	fmt.Printf("docketwatch serving %s (data %s); Ctrl-C stops\n", n.HTTPURL, c.data)
	<-ctx.Done()
	fmt.Println("docketwatch: draining and stopping")
	n.Close()
	return nil
}
