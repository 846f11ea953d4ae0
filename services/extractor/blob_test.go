package extractor

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/blob"
	"github.com/docketwatch/docketwatch/pkg/fault"
	"github.com/docketwatch/docketwatch/pkg/filing"
)

// laggingStore answers its first reads "not found", as a cluster replica that has not
// applied the fetcher's write yet does.
type laggingStore struct {
	blob.Store
	misses atomic.Int32
}

func (s *laggingStore) Get(ctx context.Context, sum string) (io.ReadCloser, error) {
	if s.misses.Add(-1) >= 0 {
		return nil, blob.ErrNotFound
	}
	return s.Store.Get(ctx, sum)
}

// TestMissingBlobIsRetried: a PDF the store does not have yet is a transient failure,
// which the consumer retries with backoff, never a permanent one that parks a good
// document at once.
func TestMissingBlobIsRetried(t *testing.T) {
	disk, err := blob.NewDisk(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("%PDF-1.4 not really, never read")
	sum, size, _ := blob.Sum(bytes.NewReader(data))
	if err := disk.Put(context.Background(), sum, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	store := &laggingStore{Store: disk}
	store.misses.Store(1)
	s, err := New(Config{Concurrency: 1}, Deps{Blobs: store, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.pool.Close()
	doc := filing.Document{Schema: filing.Schema, ID: "t:lagging", Blob: &filing.BlobRef{SHA256: sum, Size: size}}
	_, err = s.Extract(context.Background(), doc)
	if !errors.Is(err, blob.ErrNotFound) || fault.IsPermanent(err) {
		t.Fatalf("got %v (permanent %v); want a transient not-found", err, fault.IsPermanent(err))
	}
}
