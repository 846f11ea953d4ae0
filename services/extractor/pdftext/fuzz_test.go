package pdftext

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/testfile"
)

// FuzzExtract feeds the Go engine mutated filings: it must return pages or an error,
// never panic, and finish (a hang shows as the fuzzer stalling on one input).
func FuzzExtract(f *testing.F) {
	for _, seed := range testfile.Glob(f, "testdata/*.pdf", 100<<10) {
		f.Add(seed.Data)
		f.Add(seed.Data[:len(seed.Data)/2])
	}
	f.Add([]byte("%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj trailer << /Root 1 0 R >>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		// The fuzzer has no per-input deadline: a hang would stall it silently, so a
		// watchdog turns one into a failure with the stacks, recorded as a crasher.
		watchdog := time.AfterFunc(20*time.Second, func() {
			buf := make([]byte, 1<<20)
			panic("Extract still running after 20s:\n" + string(buf[:runtime.Stack(buf, true)]))
		})
		defer watchdog.Stop()
		pages, err := Extract(ctx, data, Options{Workers: 1, MaxPages: 50})
		if err == nil {
			for i, p := range pages {
				if p.Number != i+1 {
					t.Fatalf("page %d numbered %d", i+1, p.Number)
				}
			}
		}
	})
}
