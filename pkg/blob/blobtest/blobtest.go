// Package blobtest is the conformance suite every blob.Store passes, and the PDF store
// tests run on.
package blobtest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/blob"
	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/nats-io/nats.go/jetstream"
)

// PDFs opens the contract's PDF object store (bus.ObjectPDFs) over js, as every stage does.
func PDFs(tb testing.TB, js jetstream.JetStream) *blob.NATS {
	tb.Helper()
	s, err := blob.NewNATS(context.Background(), js, bus.ObjectPDFs)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// Run checks the contract of blob.Store on a fresh store.
func Run(t *testing.T, s blob.Store) {
	t.Helper()
	ctx := context.Background()
	data := bytes.Repeat([]byte("%PDF-1.4 docketwatch "), 40000) // ~840 KB: several chunks
	sum, _, _ := blob.Sum(bytes.NewReader(data))

	t.Run("absent", func(t *testing.T) {
		if ok, err := s.Has(ctx, sum); err != nil || ok {
			t.Fatalf("Has before Put = %v, %v; want false, nil", ok, err)
		}
		if _, err := s.Get(ctx, sum); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("Get before Put: got %v; want ErrNotFound", err)
		}
	})
	t.Run("put get", func(t *testing.T) {
		if err := s.Put(ctx, sum, bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
		got, err := blob.ReadAll(ctx, s, sum, 1<<30)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("Get after Put: %d bytes, err %v; want %d bytes", len(got), err, len(data))
		}
	})
	t.Run("put twice reads nothing", func(t *testing.T) {
		if err := s.Put(ctx, sum, failingReader{}); err != nil {
			t.Fatalf("second Put of a held blob: %v", err)
		}
	})
	t.Run("wrong hash refused", func(t *testing.T) {
		other := strings.Repeat("ab", 32)
		if err := s.Put(ctx, other, strings.NewReader("not those bytes")); err == nil {
			t.Fatal("Put under a hash the bytes do not have succeeded")
		}
		if ok, _ := s.Has(ctx, other); ok {
			t.Fatal("a refused Put left a blob behind")
		}
	})
	t.Run("bad name", func(t *testing.T) {
		if err := s.Put(ctx, "../etc/passwd", strings.NewReader("x")); err == nil {
			t.Fatal("Put accepted a name that is not a hex digest")
		}
	})
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }
