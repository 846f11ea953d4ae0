package tracing

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestErrorLogHoldsBackRepeats(t *testing.T) {
	var buf bytes.Buffer
	e := newErrorLog(slog.New(slog.NewTextHandler(&buf, nil)), time.Hour)
	for range 3 {
		e.Handle(errors.New("collector refused"))
	}
	if n := strings.Count(buf.String(), "collector refused"); n != 1 {
		t.Fatalf("logged %d times within the interval; want 1:\n%s", n, buf.String())
	}
	e.last = e.last.Add(-2 * time.Hour) // the interval has passed
	e.Handle(errors.New("collector refused"))
	if !strings.Contains(buf.String(), "suppressed=2") {
		t.Errorf("log after the interval = %q; want the 2 held back counted", buf.String())
	}
}
