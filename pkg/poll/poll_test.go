package poll

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// fatalTB records a Fatalf and ends the goroutine, as testing.T does.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Helper() {}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func whileProgressing(stall time.Duration, cond func() (bool, string)) (failure string, took time.Duration) {
	tb := &fatalTB{}
	start := time.Now()
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		WhileProgressing(tb, stall, "the work", cond)
	}()
	<-ended
	return tb.msg, time.Since(start)
}

// Work that keeps moving may take many times the stall; work that stops fails after it.
func TestWhileProgressing(t *testing.T) {
	n := 0
	msg, took := whileProgressing(50*time.Millisecond, func() (bool, string) {
		n++
		return n == 20, fmt.Sprint(n)
	})
	if msg != "" || took < 19*Interval { // 19 sleeps: far longer than the stall
		t.Errorf("progressing work: failed %q after %v; want it waited for to the end", msg, took)
	}
	n = 0
	msg, took = whileProgressing(100*time.Millisecond, func() (bool, string) {
		n++
		return false, fmt.Sprint(min(n, 3))
	})
	if !strings.Contains(msg, "no progress for 100ms: the work (stuck at 3)") || took < 100*time.Millisecond {
		t.Errorf("stuck work: failed %q after %v; want a failure showing where it stopped, after the stall", msg, took)
	}
}
