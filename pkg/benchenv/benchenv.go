// Package benchenv reads a benchmark's size from the environment (scripts/bench lists
// the variables), so that a large run needs no code change.
package benchenv

import (
	"os"
	"strconv"
	"testing"
)

// Int reads a positive number from the environment variable name, def when unset; any
// other value fails the benchmark with the variable's name.
func Int(tb testing.TB, name string, def int) int {
	tb.Helper()
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		tb.Fatalf("%s=%q: want a positive number", name, s)
	}
	return n
}
