// Package worker runs PDF extraction in child processes. A PDF can make a parser loop
// forever, exhaust memory or crash it (ledongthuc/pdf takes no context and panics
// outside its text calls), and only a process can be killed at a deadline and
// capped in memory: the children are the sandbox, the parent survives any file.
//
// Children are long-lived and take one PDF after another over their standard input, so
// a process start is paid once per many documents, not once per document; a child that
// misbehaves is killed and replaced.
package worker

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/docketwatch/docketwatch/pkg/config"
	"github.com/docketwatch/docketwatch/pkg/fault"
	"github.com/docketwatch/docketwatch/pkg/filing"
)

// envChild marks a process started as an extraction child.
const envChild = "DOCKETWATCH_EXTRACT_WORKER"

// Func extracts a PDF's pages; it runs in the child.
type Func func(ctx context.Context, data []byte) (pages []filing.Page, engine string, err error)

// reply is what the child answers for each PDF.
type reply struct {
	Pages     []filing.Page `json:"pages"`
	Engine    string        `json:"engine"`
	Error     string        `json:"error,omitempty"`
	Permanent bool          `json:"permanent,omitempty"`
}

// maxFrame bounds one message between parent and child.
const maxFrame = 1 << 30

// ServeIfChild turns this process into an extraction child when it was started as one:
// it reads length-prefixed PDFs from standard input, answers each with a length-prefixed
// JSON reply, and exits when its input ends. In any other process it returns at once.
// Call it first thing in main (and in TestMain).
func ServeIfChild(fn Func) {
	if os.Getenv(envChild) != "1" {
		return
	}
	var limit uint64
	fmt.Sscan(os.Getenv(envChild+"_MEM"), &limit)
	capMemory(limit)
	in, out := bufio.NewReader(os.Stdin), bufio.NewWriter(os.Stdout)
	for {
		data, err := readFrame(in)
		if err != nil {
			os.Exit(0) // the parent closed our input: done
		}
		body, _ := json.Marshal(run(fn, data))
		if writeFrame(out, body) != nil || out.Flush() != nil {
			os.Exit(2)
		}
	}
}

// capMemory caps this process's address space at limit bytes (none when 0): a hard cap
// makes a flate bomb fail here, not take the machine; the soft Go limit makes the
// collector work before that.
func capMemory(limit uint64) {
	if limit > 0 {
		_ = syscall.Setrlimit(syscall.RLIMIT_AS, &syscall.Rlimit{Cur: limit, Max: limit})
		debug.SetMemoryLimit(int64(limit) / 2)
	}
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

func readFrame(r io.Reader) ([]byte, error) {
	var n uint64
	if err := binary.Read(r, binary.BigEndian, &n); err != nil {
		return nil, err
	}
	if n > maxFrame {
		return nil, fmt.Errorf("frame of %d bytes is larger than %d", n, maxFrame)
	}
	buf := make([]byte, n)
	_, err := io.ReadFull(r, buf)
	return buf, err
}

func writeFrame(w io.Writer, data []byte) error {
	if err := binary.Write(w, binary.BigEndian, uint64(len(data))); err != nil {
		return err
	}
	_, err := w.Write(data)
	return err
}

// Config shapes a Pool.
type Config struct {
	// Command is the child's argv; empty runs this executable, which must call
	// ServeIfChild in main.
	Command []string
	// Size is the most children at once; 0 means one.
	Size int
	// Timeout is the base deadline of one extraction; TimeoutPerMB is added per
	// megabyte of PDF, since a long scanned filing legitimately takes minutes of OCR.
	Timeout      time.Duration
	TimeoutPerMB time.Duration
	// MaxMemory caps each child's address space in bytes.
	MaxMemory uint64
	// MaxUses retires a child after that many PDFs, returning its memory to the system.
	MaxUses int
	// Env is added to the children's environment, which otherwise holds only what
	// inheritedEnv names.
	Env []string
}

func (c Config) withDefaults() Config {
	c.Size = config.Default(c.Size, 1)
	c.Timeout = config.Default(c.Timeout, 2*time.Minute)
	c.TimeoutPerMB = config.Default(c.TimeoutPerMB, 30*time.Second)
	if c.MaxMemory == 0 {
		c.MaxMemory = 3 << 30
	}
	c.MaxUses = config.Default(c.MaxUses, 500)
	return c
}

// Pool hands PDFs to at most Size children.
type Pool struct {
	cfg   Config
	slots chan struct{}
	mu    sync.Mutex
	idle  []*child
	done  bool
}

// NewPool returns a pool; children start on first use. Close stops them.
func NewPool(cfg Config) *Pool {
	cfg = cfg.withDefaults()
	return &Pool{cfg: cfg, slots: make(chan struct{}, cfg.Size)}
}

// Extract runs a child on data. A child that crashes, runs out of memory or passes its
// deadline gives a permanent error: the same file would do the same again.
func (p *Pool) Extract(ctx context.Context, data []byte) ([]filing.Page, string, error) {
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, "", ctx.Err()
	}
	defer func() { <-p.slots }()
	c, err := p.get()
	if err != nil {
		return nil, "", err
	}
	rep, err := c.do(ctx, data, p.cfg.timeout(len(data)))
	if err != nil {
		c.kill()
		if ctx.Err() != nil {
			return nil, "", ctx.Err() // shutting down: not the file's fault
		}
		return nil, "", err
	}
	p.put(c)
	return rep.result()
}

// result is the reply as Extract returns it.
func (r reply) result() ([]filing.Page, string, error) {
	if r.Error != "" {
		if r.Permanent {
			return nil, r.Engine, fault.Permanentf("%s", r.Error)
		}
		return nil, r.Engine, errors.New(r.Error)
	}
	return r.Pages, r.Engine, nil
}

// timeout is the deadline of one extraction of size bytes.
func (c Config) timeout(size int) time.Duration {
	return c.Timeout + time.Duration(size>>20)*c.TimeoutPerMB
}

func (p *Pool) get() (*child, error) {
	p.mu.Lock()
	if p.done {
		p.mu.Unlock()
		return nil, errors.New("extraction pool is closed")
	}
	if n := len(p.idle); n > 0 {
		c := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return c, nil
	}
	p.mu.Unlock()
	return startChild(p.cfg)
}

func (p *Pool) put(c *child) {
	c.uses++
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done || c.uses >= p.cfg.MaxUses {
		c.close()
		return
	}
	p.idle = append(p.idle, c)
}

// Close stops the idle children; children at work stop when their extraction ends.
func (p *Pool) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done = true
	for _, c := range p.idle {
		c.close()
	}
	p.idle = nil
}

type child struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Reader
	stderr *limitedBuffer
	uses   int
}

func startChild(cfg Config) (*child, error) {
	argv := cfg.Command
	if len(argv) == 0 {
		self, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("finding own executable for the extraction child: %w", err)
		}
		argv = []string{self}
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(append(childEnv(os.Environ()), cfg.Env...), envChild+"=1", fmt.Sprintf("%s_MEM=%d", envChild, cfg.MaxMemory))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	c := &child{cmd: cmd, stdin: stdin, stdout: bufio.NewReader(stdout), stderr: &limitedBuffer{max: 4096}}
	cmd.Stderr = c.stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting extraction child: %w", err)
	}
	return c, nil
}

// inheritedEnv are the variables a child keeps of its parent's environment: where its
// programs and temporary files are (poppler and Tesseract run from the child), the
// locale, Tesseract's data and the Go runtime's settings. Nothing else passes, so a
// hostile PDF that gets code running in a child finds no SMTP password, API token or
// NATS credential there (SECURITY.md).
var inheritedEnv = map[string]bool{
	"PATH": true, "HOME": true, "TMPDIR": true, "LANG": true, "LC_ALL": true, "LC_CTYPE": true, "TZ": true,
	"TESSDATA_PREFIX": true, "OMP_THREAD_LIMIT": true,
	"GOMAXPROCS": true, "GOGC": true, "GOMEMLIMIT": true, "GODEBUG": true, "GOTRACEBACK": true, "GOCOVERDIR": true,
}

// childEnv keeps of env the variables named in inheritedEnv.
func childEnv(env []string) []string {
	var kept []string
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); inheritedEnv[k] {
			kept = append(kept, kv)
		}
	}
	return kept
}

// do sends one PDF and reads the reply; past the deadline or on ctx's end it kills the
// child, which unblocks the read.
func (c *child) do(ctx context.Context, data []byte, timeout time.Duration) (reply, error) {
	var rep reply
	timer := time.AfterFunc(timeout, func() { c.cmd.Process.Kill() })
	defer timer.Stop()
	stop := context.AfterFunc(ctx, func() { c.cmd.Process.Kill() })
	defer stop()
	start := time.Now()
	werr := make(chan error, 1)
	go func() { werr <- writeFrame(c.stdin, data) }()
	body, err := readFrame(c.stdout)
	if err == nil {
		err = <-werr
	}
	if err != nil {
		if time.Since(start) >= timeout {
			return rep, errTooLong(timeout)
		}
		return rep, fault.Permanentf("extraction process died: %s", c.exitReason())
	}
	if err := json.Unmarshal(body, &rep); err != nil {
		return rep, fault.Permanentf("extraction process answered nonsense: %v", err)
	}
	return rep, nil
}

func errTooLong(timeout time.Duration) error {
	return fault.Permanentf("extraction took longer than %s (a looping or enormous PDF)", timeout)
}

// exitReason waits for a dead child and says how it ended.
func (c *child) exitReason() string {
	c.stdin.Close()
	err := c.cmd.Wait()
	msg := lastLine(c.stderr.String())
	if err == nil {
		err = errors.New("exited")
	}
	if msg != "" {
		return err.Error() + ": " + msg
	}
	return err.Error()
}

func (c *child) kill() {
	c.cmd.Process.Kill()
	c.stdin.Close()
	c.cmd.Wait()
}

// close ends the child by closing its input, the way it expects to be told.
func (c *child) close() {
	c.stdin.Close()
	done := make(chan struct{})
	go func() { c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		c.cmd.Process.Kill()
		<-done
	}
}

type limitedBuffer struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := b.max - len(b.buf); room > 0 {
		b.buf = append(b.buf, p[:min(len(p), room)]...)
	}
	return len(p), nil
}

func (b *limitedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

func lastLine(s string) string {
	for len(s) > 0 && (s[len(s)-1] == '\n' || s[len(s)-1] == ' ') {
		s = s[:len(s)-1]
	}
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '\n' {
			return s[i+1:]
		}
	}
	return s
}
