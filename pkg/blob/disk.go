package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Disk keeps blobs as files under a directory, fanned out by the first two hex digits.
// It suits a shared filesystem when blobs outgrow the NATS object store.
type Disk struct {
	dir string
}

var _ Store = (*Disk)(nil)

// NewDisk creates the directory if needed.
func NewDisk(dir string) (*Disk, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating blob directory: %w", err)
	}
	return &Disk{dir: dir}, nil
}

func (d *Disk) path(sum string) string { return filepath.Join(d.dir, sum[:2], sum) }

func (d *Disk) Put(ctx context.Context, sum string, r io.Reader) error {
	if err := CheckSum(sum); err != nil {
		return err
	}
	if ok, err := d.Has(ctx, sum); err != nil || ok {
		return err
	}
	p := d.path(sum)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("storing blob %s: %w", sum, err)
	}
	// Write to a temporary name and rename, so a crash never leaves a partial blob.
	tmp, err := os.CreateTemp(filepath.Dir(p), ".put-*")
	if err != nil {
		return fmt.Errorf("storing blob %s: %w", sum, err)
	}
	defer os.Remove(tmp.Name())
	_, err = io.Copy(tmp, newVerifyingReader(r, sum))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), p)
	}
	if err != nil {
		return fmt.Errorf("storing blob %s: %w", sum, err)
	}
	return nil
}

func (d *Disk) Get(ctx context.Context, sum string) (io.ReadCloser, error) {
	if err := CheckSum(sum); err != nil {
		return nil, err
	}
	f, err := os.Open(d.path(sum))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("blob %s: %w", sum, ErrNotFound)
	}
	return f, err
}

func (d *Disk) Has(ctx context.Context, sum string) (bool, error) {
	if err := CheckSum(sum); err != nil {
		return false, err
	}
	_, err := os.Stat(d.path(sum))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}
