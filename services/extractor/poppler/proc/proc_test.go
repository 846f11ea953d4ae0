package proc

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestRun(t *testing.T) {
	tests := []struct {
		name    string
		cmd     Cmd
		want    string
		wantErr error
		exit    bool
	}{
		{name: "output", cmd: Cmd{Tool: "printf", Args: []string{"a b"}}, want: "a b"},
		{name: "stdin", cmd: Cmd{Tool: "cat", Stdin: []byte("from stdin")}, want: "from stdin"},
		{name: "env", cmd: Cmd{Tool: "sh", Args: []string{"-c", "printf %s \"$DW_TEST\""}, Env: []string{"DW_TEST=set"}}, want: "set"},
		{name: "timeout kills a hung tool", cmd: Cmd{Tool: "sleep", Args: []string{"30"}, Timeout: 100 * time.Millisecond}, wantErr: ErrTimeout},
		{name: "endless output is cut off", cmd: Cmd{Tool: "yes", MaxOutput: 1 << 16, Timeout: 10 * time.Second}, wantErr: ErrOutputTooLarge},
		{name: "missing tool", cmd: Cmd{Tool: "docketwatch-no-such-tool"}, wantErr: ErrNotFound},
		{name: "exit status", cmd: Cmd{Tool: "sh", Args: []string{"-c", "echo noise >&2; echo why it failed >&2; exit 3"}}, exit: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			out, err := Run(context.Background(), tt.cmd)
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("Run took %v; the bound did not stop the tool", took)
			}
			switch {
			case tt.exit:
				var ee *ExitError
				if !errors.As(err, &ee) || ee.Code != 3 || !strings.Contains(ee.Stderr, "why it failed") {
					t.Fatalf("got %v; want an ExitError with status 3 and the last stderr line", err)
				}
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("got %v; want %v", err, tt.wantErr)
				}
			case err != nil:
				t.Fatalf("got error %v", err)
			case string(out) != tt.want:
				t.Fatalf("got %q; want %q", out, tt.want)
			}
		})
	}
}

func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err := Run(ctx, Cmd{Tool: "sleep", Args: []string{"30"}, Timeout: time.Minute})
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrTimeout) {
		t.Fatalf("got %v; want context.Canceled, not a timeout", err)
	}
}

func TestTailBuffer(t *testing.T) {
	b := &tailBuffer{max: 8}
	for range 100 {
		b.Write([]byte("0123456789\n"))
	}
	b.Write([]byte("last"))
	if got := b.String(); len(got) != 8 || !strings.HasSuffix(got, "last") {
		t.Fatalf("got %q; want the last 8 bytes ending in \"last\"", got)
	}
}

func TestRunMemoryLimit(t *testing.T) {
	if _, err := LookPath("prlimit"); err != nil {
		t.Skipf("skipping: %v", err)
	}
	// Under a 64 MiB address space a shell cannot build a 100 MiB string; without the
	// limit it can.
	script := `x=$(head -c 100000000 /dev/zero | tr '\0' a); echo ${#x}`
	if out, err := Run(context.Background(), Cmd{Tool: "sh", Args: []string{"-c", script}, Timeout: 20 * time.Second}); err != nil || strings.TrimSpace(string(out)) != "100000000" {
		t.Fatalf("unlimited: got %q, %v", out, err)
	}
	_, err := Run(context.Background(), Cmd{Tool: "sh", Args: []string{"-c", script}, MemoryLimit: 64 << 20, Timeout: 20 * time.Second})
	var ee *ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("limited: got %v; want the tool to fail for lack of memory", err)
	}
}

func TestVersion(t *testing.T) {
	re := regexp.MustCompile(`version (\d+\.\d+)`)
	tests := []struct {
		name     string
		tool     string
		args     []string
		want     string
		wantErr  string
		notFound bool
	}{
		{name: "on standard error", tool: "sh", args: []string{"-c", "echo 'pdftotext version 22.12.0' >&2"}, want: "22.12"},
		{name: "no version printed", tool: "sh", args: []string{"-c", "echo 'usage: pdftotext'"}, wantErr: `reading sh version from "usage: pdftotext"`},
		{name: "not installed", tool: "docketwatch-no-such-tool", notFound: true, wantErr: "docketwatch-no-such-tool"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Version(context.Background(), tc.tool, tc.args, re)
			if got != tc.want || (err == nil) != (tc.wantErr == "") || err != nil && !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Version = %q, %v; want %q, error with %q", got, err, tc.want, tc.wantErr)
			}
			if errors.Is(err, ErrNotFound) != tc.notFound {
				t.Errorf("error %v wraps ErrNotFound: %v; want %v", err, errors.Is(err, ErrNotFound), tc.notFound)
			}
			if name := VersionedName("tool", func() (string, error) { return got, err }); (err == nil) != (name == "tool/"+tc.want) || (err != nil) != (name == "tool") {
				t.Errorf("VersionedName = %q", name)
			}
		})
	}
}
