package main

import (
	"os"
	"strings"

	"github.com/docketwatch/docketwatch/pkg/config"
)

// cmdConfigExample prints a configuration file with every setting of `docketwatch run`,
// commented out with its meaning, environment variable and built-in default.
func cmdConfigExample() error {
	// The flags take their defaults from the environment: show the built-in ones, and the
	// data directory as it reads for any user.
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "DOCKETWATCH_") || k == "XDG_DATA_HOME" {
			os.Unsetenv(k)
		}
	}
	os.Setenv("HOME", "~")
	fs, _ := runFlags("run")
	os.Stdout.WriteString("# docketwatch configuration: `docketwatch run --config FILE` (or DOCKETWATCH_CONFIG).\n" +
		"# Keys are the flags of `docketwatch run`; a flag or a DOCKETWATCH_* variable overrides the\n" +
		"# file. Secrets (tokens, passwords) belong in the environment or in files named here.\n\n")
	return config.Example(os.Stdout, fs, "config", "json", "courtlistener-token")
}
