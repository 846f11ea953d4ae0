package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// stage is a docketwatch role process (`docketwatch ROLE ...`, this test binary as
// docketwatch) that can be killed and started again with the same arguments.
type stage struct {
	t    *testing.T
	name string
	args []string
	logs *childLog

	mu      sync.Mutex
	cmd     *exec.Cmd
	url     string // where it serves its API, when it does
	metrics string // where it serves its metrics, with --metrics
	// done is closed when the running process exits.
	done chan struct{}
}

// newStage makes the stage, not started; it is killed when the test ends.
func newStage(t *testing.T, name string, args ...string) *stage {
	s := &stage{t: t, name: name, args: args, logs: &childLog{t: t, name: name}}
	t.Cleanup(s.kill)
	return s
}

// startRole starts a stage and fails the test if it does not say it runs.
func startRole(t *testing.T, name string, args ...string) *stage {
	t.Helper()
	s := newStage(t, name, args...)
	if err := s.start(); err != nil {
		t.Fatal(err)
	}
	return s
}

// start starts the role and waits until it says it runs (its first line of output).
func (s *stage) start() error { return s.startWithin(60 * time.Second) }

// startWithin is start waiting at most within; it does not fail the test, so that a
// stage may be started from any goroutine.
func (s *stage) startWithin(within time.Duration) error {
	cmd := docketwatch(s.t, append([]string{s.name}, s.args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	cmd.Stderr = s.logs
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	s.mu.Lock()
	s.cmd, s.done = cmd, done
	s.mu.Unlock()
	lines := make(chan string, 1)
	go func() {
		r := bufio.NewReader(stdout)
		line, _ := r.ReadString('\n')
		lines <- line
		io.Copy(io.Discard, r)
	}()
	select {
	case line := <-lines:
		if line == "" {
			<-done
			return fmt.Errorf("%s did not start: %s: %s", s.name, cmd.ProcessState, s.logs.tail())
		}
		s.mu.Lock()
		s.url, s.metrics = announced(line)
		s.mu.Unlock()
		return nil
	case <-time.After(within):
		return errNotStarted
	}
}

var errNotStarted = errors.New("not started yet")

// serveRun starts run (a `docketwatch run` command set up as the test needs), waits
// until it says where it serves and returns that URL. Its log, first line included, goes
// to out (nil: nowhere). It is killed when the test ends.
func serveRun(t *testing.T, run *exec.Cmd, out io.Writer) string {
	t.Helper()
	if out == nil {
		out = io.Discard
	}
	stdout, err := run.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	run.Stderr = out
	if err := run.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { run.Process.Kill(); run.Wait() })
	r := bufio.NewReader(stdout)
	line, err := r.ReadString('\n')
	out.Write([]byte(line))
	url, _ := announced(line)
	if err != nil || url == "" {
		t.Fatalf("run printed %q, %v\n%s", line, err, out)
	}
	go io.Copy(out, r)
	return url
}

// announced reads where a role serves its API and its metrics from the line it prints
// once it runs (announce in cmd_run.go): "... serving URL (data DIR, metrics URL); ...".
func announced(line string) (url, metrics string) {
	if i := strings.Index(line, "serving http://"); i >= 0 {
		url = strings.Fields(line[i+len("serving "):])[0]
	}
	if i := strings.Index(line, "metrics http://"); i >= 0 {
		metrics = strings.TrimRight(strings.Fields(line[i+len("metrics "):])[0], ");")
	}
	return url, metrics
}

func (s *stage) currentURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.url
}

// exited reports whether the running process has exited.
func (s *stage) exited() bool {
	s.mu.Lock()
	done := s.done
	s.mu.Unlock()
	if done == nil {
		return true
	}
	select {
	case <-done:
		return true
	default:
		return false
	}
}

// kill SIGKILLs the running process and waits for it; the extraction children it
// started die with their stdin.
func (s *stage) kill() { s.stop(syscall.SIGKILL) }

// interrupt stops the running process as Ctrl-C does and waits until it has exited.
func (s *stage) interrupt() { s.stop(os.Interrupt) }

// stop sends sig to the running process and waits until it has exited; one that has
// not a minute later fails the test and is killed.
func (s *stage) stop(sig os.Signal) {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Signal(sig)
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		s.t.Errorf("%s did not stop within a minute of %v", s.name, sig)
		cmd.Process.Kill()
		<-done
	}
}

// childLog keeps the last 64 KiB a child process logs, over all its restarts, for
// failure messages; with t set, it also logs the child's errors into the test's log,
// under its name.
type childLog struct {
	t    testing.TB
	name string
	mu   sync.Mutex
	buf  []byte
}

const childLogKept = 64 << 10

func (l *childLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	l.buf = append(l.buf, p...)
	if len(l.buf) > childLogKept {
		l.buf = l.buf[len(l.buf)-childLogKept:]
	}
	l.mu.Unlock()
	if l.t != nil {
		for _, line := range strings.Split(strings.TrimSpace(string(p)), "\n") {
			if strings.Contains(line, "level=ERROR") {
				l.t.Logf("%s: %s", l.name, line)
			}
		}
	}
	return len(p), nil
}

// tail is the last 4 KiB kept: enough to say why a child failed.
func (l *childLog) tail() string {
	s := l.all()
	return s[max(0, len(s)-4096):]
}

// all is everything kept.
func (l *childLog) all() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.buf)
}
