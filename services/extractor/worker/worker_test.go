package worker

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/fault"
	"github.com/docketwatch/docketwatch/pkg/filing"
)

// childFunc behaves as the input asks, to exercise every way a child can end.
func childFunc(ctx context.Context, data []byte) ([]filing.Page, string, error) {
	switch string(data) {
	case "loop":
		for {
		}
	case "panic":
		panic("parser blew up")
	case "oom":
		var keep [][]byte
		for {
			keep = append(keep, make([]byte, 64<<20))
			keep[len(keep)-1][0] = 1
		}
	case "malformed":
		return nil, "test", fault.Permanentf("not a PDF")
	case "flaky":
		return nil, "test", os.ErrDeadlineExceeded
	case "exit":
		os.Exit(7)
	case "env":
		return []filing.Page{{Number: 1, Text: strings.Join(os.Environ(), "\n")}}, "test/1", nil
	}
	return []filing.Page{{Number: 1, Text: string(data)}}, "test/1", nil
}

func TestMain(m *testing.M) {
	ServeIfChild(childFunc)
	if input, ok := os.LookupEnv(envLocalTest); ok {
		serveLocalTest(input)
	}
	os.Exit(m.Run())
}

func TestPool(t *testing.T) {
	// The cap is on address space, and an idle Go child already reserves about 1.3 GB of
	// it (its RSS is 4 MB): under 1 GiB, every child died at its first new heap arena.
	r := NewPool(Config{Size: 2, Timeout: 3 * time.Second, MaxMemory: 2 << 30, MaxUses: 3})
	defer r.Close()
	tests := []struct {
		in            string
		wantErr       string
		wantPermanent bool
	}{
		{in: "hello court"},
		{in: "loop", wantErr: "longer than", wantPermanent: true},
		{in: "panic", wantErr: "parser blew up", wantPermanent: true},
		{in: "oom", wantErr: "died", wantPermanent: true},
		{in: "exit", wantErr: "exit status 7", wantPermanent: true},
		{in: "malformed", wantErr: "not a PDF", wantPermanent: true},
		{in: "flaky", wantErr: "timeout", wantPermanent: false},
		{in: "after the failures, children still serve"},
		{in: "and again"},
		{in: "past MaxUses a fresh child"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			pages, _, err := r.Extract(context.Background(), []byte(tt.in))
			if tt.wantErr == "" {
				if err != nil || len(pages) != 1 || pages[0].Text != tt.in {
					t.Fatalf("got %v, %v; want one page %q", pages, err, tt.in)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got err %v; want one containing %q", err, tt.wantErr)
			}
			if fault.IsPermanent(err) != tt.wantPermanent {
				t.Fatalf("permanent = %v; want %v (err %v)", fault.IsPermanent(err), tt.wantPermanent, err)
			}
		})
	}
}

// TestChildrenGetAMinimalEnvironment: a child (which parses hostile PDFs) sees the
// parent's PATH and what the pool passes on purpose, never the parent's secrets.
func TestChildrenGetAMinimalEnvironment(t *testing.T) {
	t.Setenv("DOCKETWATCH_SMTP_PASSWORD", "smtp-secret")
	t.Setenv("DOCKETWATCH_API_TOKEN", "api-secret")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "cloud-secret")
	r := NewPool(Config{Timeout: 10 * time.Second, MaxMemory: 2 << 30, Env: []string{"DOCKETWATCH_ENGINE=go"}})
	defer r.Close()
	pages, _, err := r.Extract(context.Background(), []byte("env"))
	if err != nil || len(pages) != 1 {
		t.Fatalf("got %v, %v", pages, err)
	}
	env := "\n" + pages[0].Text + "\n"
	for _, secret := range []string{"smtp-secret", "api-secret", "cloud-secret"} {
		if strings.Contains(env, secret) {
			t.Errorf("the child's environment holds %q", secret)
		}
	}
	for _, want := range []string{"\nPATH=" + os.Getenv("PATH") + "\n", "\nDOCKETWATCH_ENGINE=go\n", "\n" + envChild + "=1\n"} {
		if !strings.Contains(env, want) {
			t.Errorf("the child's environment lacks %q:%s", strings.TrimSpace(want), env)
		}
	}
}

// envLocalTest makes the test binary a one-shot command that extracts its value with a
// Local and prints the outcome (a Local confines its whole process, so the tests run it
// in one of its own).
const envLocalTest = "DOCKETWATCH_TEST_LOCAL"

type localOutcome struct {
	Pages     []filing.Page
	Err       string
	Permanent bool
}

func serveLocalTest(input string) {
	l := NewLocal(childFunc, Config{Timeout: 500 * time.Millisecond, MaxMemory: 2 << 30, Env: []string{"DOCKETWATCH_ENGINE=go"}})
	pages, _, err := l.Extract(context.Background(), []byte(input))
	out := localOutcome{Pages: pages}
	if err != nil {
		out.Err, out.Permanent = err.Error(), fault.IsPermanent(err)
	}
	b, _ := json.Marshal(out)
	fmt.Println(string(b))
	os.Exit(0)
}

// TestLocal: in-process extraction gives the pool's outcomes for what a process can
// survive, and for what it cannot (a memory bomb) the process dies, not the machine.
func TestLocal(t *testing.T) {
	t.Setenv("DOCKETWATCH_SMTP_PASSWORD", "smtp-secret")
	tests := []struct {
		input     string
		wantText  string
		wantErr   string
		permanent bool
		wantDeath bool
	}{
		{input: "hello", wantText: "hello"},
		{input: "panic", wantErr: "extraction panicked: parser blew up", permanent: true},
		{input: "loop", wantErr: "extraction took longer than 500ms", permanent: true},
		{input: "malformed", wantErr: "not a PDF", permanent: true},
		{input: "flaky", wantErr: os.ErrDeadlineExceeded.Error()},
		{input: "oom", wantDeath: true},
	}
	for _, tt := range tests {
		t.Run(tt.input, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run", "^$")
			cmd.Env = append(os.Environ(), envLocalTest+"="+tt.input)
			b, err := cmd.Output()
			if tt.wantDeath {
				if err == nil {
					t.Fatalf("the process survived a memory bomb: %s", b)
				}
				return
			}
			if err != nil {
				t.Fatalf("running a local extraction: %v", err)
			}
			var got localOutcome
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatalf("reading %q: %v", b, err)
			}
			if !strings.Contains(got.Err, tt.wantErr) || (tt.wantErr == "") != (got.Err == "") || got.Permanent != tt.permanent {
				t.Errorf("got error %q (permanent %v); want %q (permanent %v)", got.Err, got.Permanent, tt.wantErr, tt.permanent)
			}
			if tt.wantText != "" && (len(got.Pages) != 1 || got.Pages[0].Text != tt.wantText) {
				t.Errorf("got pages %v; want one with %q", got.Pages, tt.wantText)
			}
		})
	}
	t.Run("env", func(t *testing.T) {
		cmd := exec.Command(os.Args[0], "-test.run", "^$")
		cmd.Env = append(os.Environ(), envLocalTest+"=env")
		b, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{"smtp-secret", envLocalTest} {
			if strings.Contains(string(b), bad) {
				t.Errorf("the confined environment holds %q: %s", bad, b)
			}
		}
		if !strings.Contains(string(b), "DOCKETWATCH_ENGINE=go") || !strings.Contains(string(b), "PATH=") {
			t.Errorf("the confined environment lacks PATH or the engine: %s", b)
		}
	})
}
