// Package worker runs PDF extraction in a child process. A PDF can make a parser loop
// forever, exhaust memory or crash it (STACK.md: ledongthuc/pdf takes no context and
// panics outside its text calls), and only a process can be killed at a deadline and
// capped in memory: the child is the sandbox, the parent survives any file.
package worker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/docketwatch/docketwatch/pkg/fault"
	"github.com/docketwatch/docketwatch/pkg/filing"
)

// envChild marks a process started as an extraction child.
const envChild = "DOCKETWATCH_EXTRACT_WORKER"

// Func extracts a PDF's pages; it runs in the child.
type Func func(ctx context.Context, data []byte) (pages []filing.Page, engine string, err error)

// reply is what the child writes on its standard output.
type reply struct {
	Pages     []filing.Page `json:"pages"`
	Engine    string        `json:"engine"`
	Error     string        `json:"error,omitempty"`
	Permanent bool          `json:"permanent,omitempty"`
}

// ServeIfChild turns this process into an extraction child when it was started as one:
// it reads the PDF from standard input, runs fn, writes the reply and exits. In any
// other process it returns at once. Call it first thing in main (and in TestMain).
func ServeIfChild(fn Func) {
	if os.Getenv(envChild) != "1" {
		return
	}
	if limit := os.Getenv(envChild + "_MEM"); limit != "" {
		var n uint64
		fmt.Sscan(limit, &n)
		if n > 0 {
			// A hard cap on the address space makes a flate bomb fail here, not take the
			// machine; the soft Go limit makes the collector work before that.
			_ = syscall.Setrlimit(syscall.RLIMIT_AS, &syscall.Rlimit{Cur: n, Max: n})
			debug.SetMemoryLimit(int64(n) / 2)
		}
	}
	data, err := io.ReadAll(os.Stdin)
	var r reply
	if err != nil {
		r = reply{Error: "reading pdf from parent: " + err.Error()}
	} else {
		r = run(fn, data)
	}
	if err := json.NewEncoder(os.Stdout).Encode(r); err != nil {
		os.Exit(2)
	}
	os.Exit(0)
}

func run(fn Func, data []byte) (r reply) {
	defer func() {
		if p := recover(); p != nil {
			r = reply{Error: fmt.Sprintf("extraction panicked: %v", p), Permanent: true}
		}
	}()
	pages, engine, err := fn(context.Background(), data)
	if err != nil {
		return reply{Error: err.Error(), Permanent: fault.IsPermanent(err), Engine: engine}
	}
	return reply{Pages: pages, Engine: engine}
}

// Runner starts one child per PDF.
type Runner struct {
	// Command is the child's argv; empty runs this executable, which must call
	// ServeIfChild in main.
	Command []string
	// Timeout is the base deadline of one extraction; TimeoutPerMB is added per
	// megabyte of PDF, since a long scanned filing legitimately takes minutes of OCR.
	Timeout      time.Duration
	TimeoutPerMB time.Duration
	// MaxMemory caps the child's address space in bytes.
	MaxMemory uint64
	// Env is added to the child's environment.
	Env []string
}

// Extract runs the child on data. A child that crashes, runs out of memory or passes its
// deadline gives a permanent error: the same file would do the same again.
func (r Runner) Extract(ctx context.Context, data []byte) ([]filing.Page, string, error) {
	argv := r.Command
	if len(argv) == 0 {
		self, err := os.Executable()
		if err != nil {
			return nil, "", fmt.Errorf("finding own executable for the extraction child: %w", err)
		}
		argv = []string{self}
	}
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Minute
	}
	perMB := r.TimeoutPerMB
	if perMB <= 0 {
		perMB = 30 * time.Second
	}
	timeout += time.Duration(len(data)>>20) * perMB
	mem := r.MaxMemory
	if mem == 0 {
		mem = 3 << 30
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(cctx, argv[0], argv[1:]...)
	cmd.Env = append(append(os.Environ(), r.Env...), envChild+"=1", fmt.Sprintf("%s_MEM=%d", envChild, mem))
	cmd.Stdin = bytes.NewReader(data)
	var stdout bytes.Buffer
	stderr := &limitedBuffer{max: 4096}
	cmd.Stdout, cmd.Stderr = &stdout, stderr
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if ctx.Err() != nil {
		return nil, "", ctx.Err() // shutting down: not the file's fault
	}
	if errors.Is(cctx.Err(), context.DeadlineExceeded) {
		return nil, "", fault.Permanentf("extraction took longer than %s (a looping or enormous PDF)", timeout)
	}
	if err != nil {
		return nil, "", fault.Permanentf("extraction process died: %v: %s", err, lastLine(stderr.String()))
	}
	var rep reply
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		return nil, "", fault.Permanentf("extraction process answered nonsense: %v", err)
	}
	if rep.Error != "" {
		if rep.Permanent {
			return nil, rep.Engine, fault.Permanentf("%s", rep.Error)
		}
		return nil, rep.Engine, errors.New(rep.Error)
	}
	return rep.Pages, rep.Engine, nil
}

type limitedBuffer struct {
	buf bytes.Buffer
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (b *limitedBuffer) String() string { return b.buf.String() }

func lastLine(s string) string {
	s = string(bytes.TrimSpace([]byte(s)))
	if i := bytes.LastIndexByte([]byte(s), '\n'); i >= 0 {
		s = s[i+1:]
	}
	return s
}
