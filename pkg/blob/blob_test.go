package blob_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/blob"
	"github.com/docketwatch/docketwatch/pkg/blob/blobtest"
	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
)

func TestDisk(t *testing.T) {
	s, err := blob.NewDisk(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	blobtest.Run(t, s)
}

func TestNATS(t *testing.T) {
	js := bustest.Start(t)
	s, err := blob.NewNATS(context.Background(), js, bus.ObjectPDFs)
	if err != nil {
		t.Fatal(err)
	}
	blobtest.Run(t, s)
}

// TestSpoolPut: the bytes fill writes are stored under their SHA-256 whether they fit the
// spool's memory, pass it in the middle of a write or go to the file from the first byte,
// and no temporary file is left behind; fill's error comes back unchanged and a spool
// that cannot make its file says so without storing anything.
func TestSpoolPut(t *testing.T) {
	ctx := context.Background()
	data := bytes.Repeat([]byte("%PDF-1.7 exhibit "), 1000)
	fill := func(w io.Writer) (int64, error) {
		var n int64
		for chunk := range slices.Chunk(data, 4096) {
			m, err := w.Write(chunk)
			n += int64(m)
			if err != nil {
				return n, err
			}
		}
		return n, nil
	}
	want, _, _ := blob.Sum(bytes.NewReader(data))
	for _, memory := range []int64{0, 6000, int64(len(data))} {
		s, err := blob.NewDisk(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		sum, n, err := blob.Spool{Dir: dir, Memory: memory}.Put(ctx, s, "x", fill)
		if err != nil || sum != want || n != int64(len(data)) {
			t.Fatalf("memory %d: Put = %s, %d, %v; want %s, %d", memory, sum, n, err, want, len(data))
		}
		if got, err := blob.ReadAll(ctx, s, sum, 1<<20); err != nil || !bytes.Equal(got, data) {
			t.Errorf("memory %d: stored %d bytes, %v", memory, len(got), err)
		}
		if left, _ := os.ReadDir(dir); len(left) > 0 {
			t.Errorf("memory %d: spool left %v", memory, left)
		}
	}

	s, err := blob.NewDisk(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	errFill := errors.New("connection reset")
	if _, _, err := (blob.Spool{}).Put(ctx, s, "x", func(io.Writer) (int64, error) { return 0, errFill }); err != errFill {
		t.Errorf("fill failing: %v; want %v unchanged", err, errFill)
	}
	// The spool's failure reaches fill through its writer, and Put itself when fill
	// does not return it.
	missing := blob.Spool{Dir: filepath.Join(t.TempDir(), "missing")}
	if _, _, err := missing.Put(ctx, s, "x", fill); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("spool dir missing: %v; want ErrNotExist", err)
	}
	ignoring := func(w io.Writer) (int64, error) { w.Write(data); return int64(len(data)), nil }
	if _, _, err := missing.Put(ctx, s, "the pdf of x", ignoring); err == nil || !strings.HasPrefix(err.Error(), "spooling the pdf of x: ") {
		t.Errorf("spool dir missing, fill ignoring it: %v", err)
	}
	if has, _ := s.Has(ctx, want); has {
		t.Error("stored although the spool failed")
	}
}
