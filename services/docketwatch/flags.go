package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/docketwatch/docketwatch/pkg/config"
	"github.com/docketwatch/docketwatch/pkg/run"
	"github.com/docketwatch/docketwatch/services/extractor"
)

// common holds the flags every verb takes: the data directory, JSON output, a config
// file, and how to reach a NATS cluster when docketwatch runs distributed (--nats).
type common struct {
	data       string
	jsonOut    bool
	configFile string
	run.Flags
	// extractor configures the extraction stage when the verb starts a pipeline itself.
	extractor extractor.Config
}

// flagSet is a verb's flag set, with the flags every verb takes registered into c.
func (c *common) flagSet(verb string) *flag.FlagSet {
	fs := flag.NewFlagSet(verb, flag.ContinueOnError)
	c.register(fs)
	return fs
}

func (c *common) register(fs *flag.FlagSet) {
	fs.BoolVar(&c.jsonOut, "json", false, "print JSON")
	c.registerSettings(fs)
}

// registerSettings registers the flags of common that configure rather than format: all
// that `run` and the role verbs take of it.
func (c *common) registerSettings(fs *flag.FlagSet) {
	fs.StringVar(&c.data, "data", defaultDataDir(), "data directory")
	fs.StringVar(&c.configFile, config.FileFlag, "", "YAML file of settings, keyed by these flags' names; flags and DOCKETWATCH_* variables override it")
	c.Flags.RegisterFlags(fs)
}

// logger logs errors only, unless --log says otherwise: a CLI verb reports what matters
// itself.
func (c *common) logger() *slog.Logger { return c.Logger(slog.LevelError) }

// defaultDataDir is the data directory without --data or DOCKETWATCH_DATA: the user's
// XDG data directory.
func defaultDataDir() string {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "docketwatch")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "share", "docketwatch")
	}
	return "docketwatch-data"
}

// parse parses flags anywhere among the arguments ("search --json QUERY" and
// "search QUERY --json" alike), completes them from the environment and the config file
// (pkg/config), and returns the positional arguments.
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
			return nil, badUsage(fs, "%s", err)
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		if args[0] == "--" {
			pos = append(pos, args[1:]...)
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	if err := config.Resolve(fs); err != nil {
		return nil, err
	}
	return pos, nil
}

// parseQuery is parse for a verb whose arguments are a query (search, alerts test): it
// refuses none.
func parseQuery(fs *flag.FlagSet, args []string) ([]string, error) {
	words, err := parse(fs, args)
	if err == nil && len(words) == 0 {
		err = badUsage(fs, "%s needs a query", fs.Name())
	}
	return words, err
}

// requireIndex refuses a read verb (search, alerts list/show/test, dead, jobs) a data
// directory where docketwatch never indexed anything: reading one would create an empty
// store there and answer "nothing found", which hides a wrong or missing --data.
func (c *common) requireIndex() error {
	if c.NATS.URLs != "" {
		return nil // a cluster: the data lives with its roles
	}
	if _, err := os.Stat(filepath.Join(c.data, "index")); err == nil {
		return nil
	}
	return fmt.Errorf("no docketwatch index in %s: name the data directory with --data DIR or DOCKETWATCH_DATA (ingest files or `docketwatch run` create it)", c.data)
}
