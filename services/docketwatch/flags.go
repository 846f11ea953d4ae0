package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/docketwatch/docketwatch/pkg/run"
	"github.com/docketwatch/docketwatch/services/extractor"
)

// common holds the flags every verb takes: the data directory, JSON output, and how to
// reach a NATS cluster when docketwatch runs distributed (--nats).
type common struct {
	data    string
	jsonOut bool
	run.Flags
	// extractor configures the extraction stage when the verb starts a pipeline itself.
	extractor extractor.Config
}

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.data, "data", defaultDataDir(), "data directory (env DOCKETWATCH_DATA)")
	fs.BoolVar(&c.jsonOut, "json", false, "print JSON")
	c.Flags.Register(fs)
}

// logger logs errors only: a CLI verb reports what matters itself.
func (c *common) logger() *slog.Logger { return c.Logger(slog.LevelError) }

func defaultDataDir() string {
	if d := os.Getenv("DOCKETWATCH_DATA"); d != "" {
		return d
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "docketwatch")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "share", "docketwatch")
	}
	return "docketwatch-data"
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// parse parses flags anywhere among the arguments ("search --json QUERY" and
// "search QUERY --json" alike) and returns the positional ones.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.SetOutput(os.Stdout)
				fmt.Printf("Flags of docketwatch %s:\n", fs.Name())
				fs.PrintDefaults()
				return nil, err
			}
			return nil, usageError{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}
