package worker

import (
	"context"
	"os"
	"strings"
	"time"

	"github.com/docketwatch/docketwatch/pkg/filing"
)

// Local extracts in this process, confined the way a child is. It is for a one-shot
// command that has nothing but its extractions to protect (`docketwatch extract`): that
// process is its own sandbox, and sparing it a child's start halves its fixed cost. The
// confinement is the process's, so NewLocal is for a process that only extracts and
// exits on the first error Extract returns.
type Local struct {
	fn  Func
	cfg Config
}

// NewLocal confines this process as a child is confined: its environment shrinks to
// what a child keeps (inheritedEnv) plus cfg.Env, so that a hostile PDF finds no secret
// in it, and its address space is capped at cfg.MaxMemory.
func NewLocal(fn Func, cfg Config) *Local {
	cfg = cfg.withDefaults()
	kept := append(childEnv(os.Environ()), cfg.Env...)
	os.Clearenv()
	for _, kv := range kept {
		k, v, _ := strings.Cut(kv, "=")
		os.Setenv(k, v)
	}
	capMemory(cfg.MaxMemory)
	return &Local{fn: fn, cfg: cfg}
}

// Extract runs fn on data. A panic gives a permanent error, as a crashed child does. At
// the deadline (or ctx's end) Extract returns while fn may still run: nothing can stop a
// looping parser in this process, which is why the caller must then exit.
func (l *Local) Extract(ctx context.Context, data []byte) ([]filing.Page, string, error) {
	timeout := l.cfg.timeout(len(data))
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	done := make(chan reply, 1)
	go func() { done <- run(l.fn, data) }()
	select {
	case rep := <-done:
		return rep.result()
	case <-timer.C:
		return nil, "", errTooLong(timeout)
	case <-ctx.Done():
		return nil, "", ctx.Err()
	}
}
