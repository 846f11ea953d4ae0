// Package testcpu reads the CPU time a test or benchmark spends, for figures taken as
// ratios against a reference measured in the same run: on a shared machine wall time
// includes waiting for a core, CPU time does not.
package testcpu

import (
	"syscall"
	"testing"
	"time"
)

// Process is the user and system CPU time this process has used so far, garbage
// collection included.
func Process(tb testing.TB) time.Duration {
	tb.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
