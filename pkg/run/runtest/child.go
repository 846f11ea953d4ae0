package runtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/blob"
	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/poll"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// The variables a parent test gives the child it starts.
const (
	childRoleVar  = "DOCKETWATCH_TEST_CHILD"
	childNATSVar  = "DOCKETWATCH_TEST_NATS_URL"
	childTokenVar = "DOCKETWATCH_TEST_NATS_TOKEN"
)

// A Role is what a child process started by StartChild does, on the parent's NATS
// server (joined for it, under the role's name). It returns when its work is done or
// ctx ends (at SIGTERM), unless the parent kills the process first.
type Role func(ctx context.Context, nats *Joined) error

// ServeChild plays the role the parent test gave this process with StartChild, and
// exits: 0 when the role returns nil, 1 (the error on standard error) otherwise. In the
// parent, or in a child of a role not in roles, it returns at once. A package's TestMain
// calls it first.
func ServeChild(roles map[string]Role) {
	name := os.Getenv(childRoleVar)
	role, ok := roles[name]
	if !ok {
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	nats, err := JoinNATS(ctx, name)
	if err == nil {
		err = role(ctx, nats)
		nats.Close()
	}
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// ChildNATS is the environment that lets a child join e with JoinNATS.
func ChildNATS(e *bus.Embedded) []string {
	return []string{childNATSVar + "=" + e.ClientURL(), childTokenVar + "=" + e.Token}
}

// Joined is a child's connection to its parent's NATS server.
type Joined struct {
	JS    jetstream.JetStream
	Blobs *blob.NATS
	nc    *nats.Conn
}

// JoinNATS is the child's side of ChildNATS: it connects as name to the parent's
// server and opens the PDF store, as a stage process does.
func JoinNATS(ctx context.Context, name string) (*Joined, error) {
	nc, err := bus.Connect(os.Getenv(childNATSVar), name, nats.Token(os.Getenv(childTokenVar)))
	if err != nil {
		return nil, err
	}
	j := &Joined{nc: nc}
	if j.JS, err = jetstream.New(nc); err != nil {
		nc.Close()
		return nil, err
	}
	if j.Blobs, err = blob.NewNATS(ctx, j.JS, bus.ObjectPDFs); err != nil {
		nc.Close()
		return nil, fmt.Errorf("opening the PDF store: %w", err)
	}
	return j, nil
}

// Close closes the connection.
func (j *Joined) Close() { j.nc.Close() }

// Child is the test binary run again as a child process in role, for a test that kills
// a process in the middle of its work (SIGKILL leaves no chance to clean up).
type Child struct {
	cmd  *exec.Cmd
	out  Buffer
	done chan struct{}
	err  error // how it exited, once done is closed
}

// StartChild starts the test binary with role and env ("KEY=value") added to the
// environment and no test to run: the package's TestMain plays the role (ServeChild).
// The child is killed at the end of the test if it still runs; its output is shown if
// the test failed.
func StartChild(t testing.TB, role string, env ...string) *Child {
	t.Helper()
	c := &Child{cmd: exec.Command(os.Args[0], "-test.run=^$"), done: make(chan struct{})}
	c.cmd.Stdout, c.cmd.Stderr = &c.out, &c.out
	c.cmd.Env = append(append(os.Environ(), childRoleVar+"="+role), env...)
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		c.err = c.cmd.Wait()
		close(c.done)
	}()
	t.Cleanup(func() {
		c.cmd.Process.Kill()
		<-c.done
		if t.Failed() {
			t.Logf("%s child output:\n%s", role, c.out.String())
		}
	})
	return c
}

// Output is what the child has written so far, standard output and error together.
func (c *Child) Output() string { return c.out.String() }

// Exited reports whether the child has exited, and how.
func (c *Child) Exited() (bool, error) {
	select {
	case <-c.done:
		return true, c.err
	default:
		return false, nil
	}
}

// Until waits for cond like poll.Until, and fails the test at once if the child exits
// first: what it waits for is the child's work.
func (c *Child) Until(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	poll.Until(t, within, what, func() bool {
		if exited, err := c.Exited(); exited {
			t.Fatalf("the child exited (%v) while the test waited for %s", err, what)
		}
		return cond()
	})
}

// UntilProgressing is Until for work whose length depends on the machine (a loaded one
// does it later): it fails the test when what cond reports as its progress stays the
// same for stall (poll.WhileProgressing), or at once if the child exits first.
func (c *Child) UntilProgressing(t testing.TB, stall time.Duration, what string, cond func() (ok bool, progress string)) {
	t.Helper()
	poll.WhileProgressing(t, stall, what, func() (bool, string) {
		if exited, err := c.Exited(); exited {
			t.Fatalf("the child exited (%v) while the test waited for %s", err, what)
		}
		return cond()
	})
}

// WaitProgressing waits for the child to exit and returns how, failing the test when
// what progress reports stays the same for stall: a child at work on a loaded machine
// is waited for as long as it gets on.
func (c *Child) WaitProgressing(t testing.TB, stall time.Duration, progress func() string) error {
	t.Helper()
	poll.WhileProgressing(t, stall, "the child to exit", func() (bool, string) {
		if exited, _ := c.Exited(); exited {
			return true, ""
		}
		return false, progress()
	})
	_, err := c.Exited()
	return err
}

// Wait waits for the child to exit and returns how; after within it kills the child and
// fails the test.
func (c *Child) Wait(t testing.TB, within time.Duration) error {
	t.Helper()
	select {
	case <-c.done:
		return c.err
	case <-time.After(within):
		t.Fatalf("the child still runs after %v", within)
		return nil
	}
}

// Stop sends SIGTERM, as an operator stopping the process would, and waits up to within
// for the child to exit; it returns how the child exited.
func (c *Child) Stop(t testing.TB, within time.Duration) error {
	t.Helper()
	if exited, err := c.Exited(); exited {
		return err
	}
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	return c.Wait(t, within)
}

// Crash is a child's crash at point: it says so on standard output and kills its own
// process with SIGKILL there and then. Every goroutine stops where it is, with no
// deferred function, drain or acknowledgement run, as in a real crash; a parent that
// killed the child on seeing it there would let the child's other goroutines go on
// working meanwhile.
func Crash(point string) {
	fmt.Println(crashMark, point)
	syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {} // until the signal lands
}

// crashMark begins the line Crash writes.
const crashMark = "CRASHPOINT"

// WaitCrash waits up to within for the child to crash (Crash): to die of SIGKILL after
// saying it reached its crash point.
func (c *Child) WaitCrash(t testing.TB, within time.Duration) {
	t.Helper()
	err := c.Wait(t, within)
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL || !strings.Contains(c.Output(), crashMark) {
		t.Fatalf("the child exited (%v) without crashing at its crash point", err)
	}
}

// Kill sends SIGKILL and waits for the child to die. It fails the test if the child had
// already finished on its own: the kill would then prove nothing.
func (c *Child) Kill(t testing.TB) {
	t.Helper()
	if exited, err := c.Exited(); exited {
		t.Fatalf("the child exited (%v) before it was killed; the test proves nothing", err)
	}
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := c.Wait(t, 10*time.Second); err == nil {
		t.Fatal("the child finished before it was killed; the test proves nothing")
	}
}
