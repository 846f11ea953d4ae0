package runtest

import (
	"strings"
	"testing"
	"time"
)

// TestReadLogPastASecondMetricsLine: a process that says twice where it serves metrics
// (a restarted ops server) keeps its log read: the second line is not sent to a reader
// that waits for one address only.
func TestReadLogPastASecondMetricsLine(t *testing.T) {
	log := `time=2025-01-01T00:00:00Z level=INFO msg="serving metrics and probes" addr=127.0.0.1:40001
time=2025-01-01T00:00:01Z level=INFO msg="serving metrics and probes" addr=127.0.0.1:40002
time=2025-01-01T00:00:02Z level=INFO msg=after
`
	p := &Process{}
	addr := make(chan string, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.readLog(strings.NewReader(log), addr)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatalf("the log reader stopped after a second metrics line; read so far:\n%s", p.Logs())
	}
	if a := <-addr; a != "127.0.0.1:40001" {
		t.Errorf("address %q; want the first one, 127.0.0.1:40001", a)
	}
	if !strings.Contains(p.Logs(), "msg=after") {
		t.Errorf("log %q misses the line after the second metrics line", p.Logs())
	}
}
