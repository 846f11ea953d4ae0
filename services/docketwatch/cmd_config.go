package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/docketwatch/docketwatch/pkg/config"
)

// cmdConfigExample prints a configuration file with every setting of `docketwatch run`
// and the role verbs (the same flag set), commented out with its meaning, environment
// variable and built-in default.
func cmdConfigExample(args []string) error {
	if len(args) > 0 {
		return usageError{msg: fmt.Sprintf("config-example takes no arguments, got %q", args), cmd: "config-example"}
	}
	// Show the data directory as it reads for any user.
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); k == "XDG_DATA_HOME" {
			os.Unsetenv(k)
		}
	}
	os.Setenv("HOME", "~")
	fs, _ := runFlags("run")
	os.Stdout.WriteString("# docketwatch configuration: `docketwatch run --config FILE` (or DOCKETWATCH_CONFIG); the\n" +
		"# role verbs (`docketwatch indexer`, ...) take the same settings. Each key is a flag's name;\n" +
		"# the flag (--key) overrides the environment (DOCKETWATCH_KEY), which overrides this file.\n" +
		"# Secrets (tokens, passwords) come only from the environment or this file, never a flag.\n\n")
	return config.Example(os.Stdout, fs)
}
