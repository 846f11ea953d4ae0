package worker

import (
	"context"
	"os"
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
	}
	return []filing.Page{{Number: 1, Text: string(data)}}, "test/1", nil
}

func TestMain(m *testing.M) {
	ServeIfChild(childFunc)
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
