// Package runtest runs a docketwatch role (`docketwatch ROLE`) as a child process, the way
// operators run it, and reads its metrics and probes; or runs the test binary itself as a
// child that a test can kill mid-work (StartChild): what the process tests need, and
// nothing for production code.
package runtest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/poll"
)

// Process is a running docketwatch role process.
type Process struct {
	// URL is where it serves /metrics, /healthz and /readyz ("http://127.0.0.1:40123").
	URL string

	t      testing.TB
	cmd    *exec.Cmd
	mu     sync.Mutex
	logs   bytes.Buffer
	exited chan error
	err    error
	done   bool
}

var metricsLine = regexp.MustCompile(`msg="serving metrics and probes".* addr=(\S+)`)

// Start runs bin with args and --metrics on a free loopback port, the environment
// plus env ("KEY=value"), and waits until it says where it serves metrics. The process
// is killed at the end of the test if it still runs; its log is shown if the test failed.
func Start(t testing.TB, bin string, env []string, args ...string) *Process {
	t.Helper()
	p := &Process{t: t, exited: make(chan error, 1)}
	p.cmd = exec.Command(bin, append(args, "--metrics", "127.0.0.1:0")...)
	p.cmd.Env = append(os.Environ(), env...)
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go func() {
		p.readLog(stderr, addr)
		p.exited <- p.cmd.Wait()
	}()
	t.Cleanup(func() {
		if !p.done {
			p.cmd.Process.Kill()
			p.wait()
		}
		if t.Failed() {
			t.Logf("%s log:\n%s", filepath.Base(bin), p.Logs())
		}
	})
	select {
	case a := <-addr:
		p.URL = "http://" + a
	case err := <-p.exited:
		p.done, p.err = true, err
		t.Fatalf("%s exited before serving metrics: %v\n%s", bin, err, p.Logs())
	case <-time.After(15 * time.Second):
		t.Fatalf("%s did not say where it serves metrics within 15s", bin)
	}
	return p
}

// readLog keeps r's lines in the process's log until r ends, and sends the address of
// the first metrics line to addr, which has room for it.
func (p *Process) readLog(r io.Reader, addr chan<- string) {
	// Read to the end, or the child blocks writing its log.
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		p.mu.Lock()
		p.logs.WriteString(sc.Text() + "\n")
		p.mu.Unlock()
		if m := metricsLine.FindStringSubmatch(sc.Text()); m != nil {
			select {
			case addr <- m[1]:
			default: // only the first is waited for; a later one must not stop the reading
			}
		}
	}
}

func (p *Process) wait() error {
	if !p.done {
		p.err, p.done = <-p.exited, true
	}
	return p.err
}

// Logs is what the process has logged so far.
func (p *Process) Logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.String()
}

// Stop sends SIGTERM and waits up to timeout for the process to exit; it returns how it
// exited, or an error saying it did not.
func (p *Process) Stop(timeout time.Duration) error {
	if p.done {
		return p.err
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.exited:
		p.done, p.err = true, err
		return err
	case <-time.After(timeout):
		// SIGQUIT makes a Go process print every goroutine's stack and exit: the log
		// then shows what it was waiting for.
		p.cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case err := <-p.exited:
			p.done, p.err = true, err
		case <-time.After(5 * time.Second):
		}
		return fmt.Errorf("still running %s after SIGTERM (its stacks are in the log)", timeout)
	}
}

// Get returns the status and body of path on the process's metrics server; a refused
// connection is status 0 with the error as body.
func (p *Process) Get(path string) (int, string) {
	p.t.Helper()
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(p.URL + path)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		p.t.Fatalf("reading %s: %v", path, err)
	}
	return resp.StatusCode, string(body)
}

// WaitReady waits up to 10 s for /readyz to answer code with a body holding want.
func (p *Process) WaitReady(code int, want string) {
	p.t.Helper()
	poll.UntilGot(p.t, 10*time.Second, fmt.Sprintf("/readyz %d %q", code, want), func() (bool, string) {
		c, body := p.Get("/readyz")
		return c == code && strings.Contains(body, want), fmt.Sprintf("%d %q", c, body)
	})
}

// WaitMetrics waits up to 10 s for /metrics to hold every line of want (each a prefix
// of an exposition line, such as `docketwatch_stream_messages{stream="INDEXED"} 1`).
func (p *Process) WaitMetrics(want ...string) {
	p.t.Helper()
	poll.UntilGot(p.t, 10*time.Second, "metrics", func() (bool, string) {
		code, body := p.Get("/metrics")
		if code != http.StatusOK {
			return false, fmt.Sprintf("GET /metrics: %d %q", code, body)
		}
		for _, w := range want {
			if !strings.Contains(body, w) {
				return false, "no " + w + " in\n" + grep(body, "docketwatch_")
			}
		}
		return true, ""
	})
}

// grep keeps the lines of s that start with prefix.
func grep(s, prefix string) string {
	var b strings.Builder
	for line := range strings.Lines(s) {
		if strings.HasPrefix(line, prefix) {
			b.WriteString(line)
		}
	}
	return b.String()
}
