// Package proc runs an external tool (pdftotext, pdftoppm, tesseract) as a child process
// with a deadline and a bound on its output, so that a tool that hangs or floods its
// output costs us a killed process rather than a stuck worker or an exhausted heap.
package proc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrTimeout is wrapped by the error Run returns when the tool ran past its own deadline
// (not the caller's: a cancelled caller context returns the context's error).
var ErrTimeout = errors.New("timed out")

// ErrOutputTooLarge is wrapped by the error Run returns when the tool wrote more than
// Cmd.MaxOutput bytes to its standard output.
var ErrOutputTooLarge = errors.New("output too large")

// ErrNotFound is wrapped by the error Run returns when the tool is not installed.
var ErrNotFound = exec.ErrNotFound

// ExitError is returned when the tool ran and exited with a non-zero status.
type ExitError struct {
	Tool   string
	Code   int
	Stderr string // the last lines of its standard error, for the reason
}

func (e *ExitError) Error() string {
	if e.Stderr == "" {
		return fmt.Sprintf("%s exited with status %d", e.Tool, e.Code)
	}
	return fmt.Sprintf("%s exited with status %d: %s", e.Tool, e.Code, e.Stderr)
}

// Cmd describes one run of a tool.
type Cmd struct {
	Tool string   // the program, looked up in PATH
	Args []string // its arguments
	// Stdin is fed to the tool's standard input; nil means none.
	Stdin []byte
	// Env is added to the inherited environment ("OMP_THREAD_LIMIT=1").
	Env []string
	// Timeout bounds the run; 0 means only ctx bounds it.
	Timeout time.Duration
	// MaxOutput bounds standard output; the tool is killed when it writes more.
	MaxOutput int64
	// MemoryLimit bounds the tool's address space in bytes (RLIMIT_AS), set through
	// util-linux's prlimit before the tool starts; 0 means no limit. Without prlimit in
	// PATH the tool runs unlimited: the timeout still bounds it.
	MemoryLimit int64
}

// stderrCap bounds what is kept of standard error: poppler prints one "Syntax Error" line
// per damaged object, which on a broken file runs to megabytes, and the line that says
// why it gave up comes last.
const stderrCap = 4 << 10

// Run runs the tool and returns its standard output. A tool that exceeds its timeout or
// output bound is killed together with its process group. When ctx is cancelled Run
// returns ctx.Err() (wrapped), so callers can tell a shutdown from a bad file.
func Run(ctx context.Context, c Cmd) ([]byte, error) {
	path, err := exec.LookPath(c.Tool)
	if err != nil {
		return nil, fmt.Errorf("running %s: %w", c.Tool, err)
	}
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	if c.Timeout > 0 {
		var stop context.CancelFunc
		runCtx, stop = context.WithTimeoutCause(runCtx, c.Timeout, fmt.Errorf("%s %w after %s", c.Tool, ErrTimeout, c.Timeout))
		defer stop()
	}
	args := c.Args
	if c.MemoryLimit > 0 {
		// prlimit sets the limit and execs the tool in the same process, so the limit
		// holds from the tool's first allocation and the kill below still reaches it.
		if pl, err := exec.LookPath("prlimit"); err == nil {
			args = append([]string{"--as=" + strconv.FormatInt(c.MemoryLimit, 10), "--", path}, c.Args...)
			path = pl
		}
	}
	cmd := exec.CommandContext(runCtx, path, args...)
	// A process group lets the kill reach any helper the tool forks.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 2 * time.Second
	if len(c.Env) > 0 {
		cmd.Env = append(os.Environ(), c.Env...)
	}
	if c.Stdin != nil {
		cmd.Stdin = bytes.NewReader(c.Stdin)
	}
	out := &boundedBuffer{max: c.MaxOutput, overflow: func() {
		cancel(fmt.Errorf("%s: %w (more than %d bytes)", c.Tool, ErrOutputTooLarge, c.MaxOutput))
	}}
	stderr := &tailBuffer{max: stderrCap}
	cmd.Stdout = out
	cmd.Stderr = stderr
	err = cmd.Run()
	if ctx.Err() != nil {
		return nil, fmt.Errorf("running %s: %w", c.Tool, ctx.Err())
	}
	if cause := context.Cause(runCtx); cause != nil {
		return nil, fmt.Errorf("running %s: %w", c.Tool, cause)
	}
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return nil, &ExitError{Tool: c.Tool, Code: ee.ExitCode(), Stderr: lastLines(stderr.String(), 3)}
		}
		return nil, fmt.Errorf("running %s: %w", c.Tool, err)
	}
	return out.Bytes(), nil
}

// Combined runs the tool like Run but returns standard output and standard error joined,
// for the tools that print their version or help on standard error.
func Combined(ctx context.Context, c Cmd) ([]byte, error) {
	path, err := exec.LookPath(c.Tool)
	if err != nil {
		return nil, fmt.Errorf("running %s: %w", c.Tool, err)
	}
	runCtx := ctx
	if c.Timeout > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(ctx, c.Timeout)
		defer cancel()
	}
	cmd := exec.CommandContext(runCtx, path, c.Args...)
	cmd.WaitDelay = 2 * time.Second
	buf := &boundedBuffer{max: stderrCap, truncate: true}
	cmd.Stdout, cmd.Stderr = buf, buf
	err = cmd.Run()
	if err != nil && buf.Len() == 0 {
		return nil, fmt.Errorf("running %s: %w", c.Tool, err)
	}
	return buf.Bytes(), nil
}

// boundedBuffer collects output up to max bytes (0: unbounded). Past the bound it
// either drops the rest (truncate) or reports the overflow once and fails the write,
// which stops the copy from the pipe. It deliberately does not embed bytes.Buffer:
// io.Copy would use the embedded ReadFrom and bypass the bound.
type boundedBuffer struct {
	buf      bytes.Buffer
	max      int64
	truncate bool
	overflow func()
	over     bool
}

func (b *boundedBuffer) Write(p []byte) (int, error) {
	if b.max <= 0 {
		return b.buf.Write(p)
	}
	room := b.max - int64(b.buf.Len())
	if int64(len(p)) <= room {
		return b.buf.Write(p)
	}
	if b.truncate {
		if room > 0 {
			b.buf.Write(p[:room])
		}
		return len(p), nil
	}
	if !b.over {
		b.over = true
		if b.overflow != nil {
			b.overflow()
		}
	}
	return 0, io.ErrShortWrite
}

func (b *boundedBuffer) Bytes() []byte { return b.buf.Bytes() }
func (b *boundedBuffer) Len() int      { return b.buf.Len() }

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	buf []byte
	max int
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if len(t.buf) > 2*t.max {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	if len(t.buf) > t.max {
		return string(t.buf[len(t.buf)-t.max:])
	}
	return string(t.buf)
}

// lastLines returns the last n non-empty lines of s, joined by "; ".
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	var keep []string
	for i := len(lines) - 1; i >= 0 && len(keep) < n; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" {
			keep = append([]string{l}, keep...)
		}
	}
	return strings.Join(keep, "; ")
}

// LookPath finds the tool in PATH; a missing tool wraps ErrNotFound.
func LookPath(tool string) (string, error) { return exec.LookPath(tool) }
