// Package blob stores PDF bytes content-addressed by SHA-256, once each.
package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"regexp"
)

// ErrNotFound is returned for a hash the store does not hold.
var ErrNotFound = errors.New("blob not found")

// Store holds blobs by the hex SHA-256 of their bytes.
type Store interface {
	// Put stores the bytes read from r under sum, which the caller computed, unless the
	// store holds sum already (then r is not read). It fails if the bytes read do not
	// hash to sum, so a store never holds a blob under a wrong name.
	Put(ctx context.Context, sum string, r io.Reader) error
	// Get opens the blob; the caller closes it. ErrNotFound if absent.
	Get(ctx context.Context, sum string) (io.ReadCloser, error)
	// Has reports whether the store holds sum.
	Has(ctx context.Context, sum string) (bool, error)
}

var hexSum = regexp.MustCompile(`^[0-9a-f]{64}$`)

// CheckSum reports whether sum is a lowercase hex SHA-256.
func CheckSum(sum string) error {
	if !hexSum.MatchString(sum) {
		return fmt.Errorf("not a sha-256 hex digest: %q", sum)
	}
	return nil
}

// Sum returns the hex SHA-256 of r's bytes and their count.
func Sum(r io.Reader) (string, int64, error) {
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		return "", n, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// ReadAll reads a whole blob, refusing one larger than max bytes.
func ReadAll(ctx context.Context, s Store, sum string, max int64) ([]byte, error) {
	rc, err := s.Get(ctx, sum)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, max+1))
	if err != nil {
		return nil, fmt.Errorf("reading blob %s: %w", sum, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("blob %s is larger than %d bytes", sum, max)
	}
	return data, nil
}

// verifyingReader hashes what passes through it and fails at EOF on a mismatch.
type verifyingReader struct {
	r    io.Reader
	want string
	h    interface {
		io.Writer
		Sum([]byte) []byte
	}
}

func newVerifyingReader(r io.Reader, want string) *verifyingReader {
	return &verifyingReader{r: r, want: want, h: sha256.New()}
}

func (v *verifyingReader) Read(p []byte) (int, error) {
	n, err := v.r.Read(p)
	v.h.Write(p[:n])
	if err == io.EOF {
		if got := hex.EncodeToString(v.h.Sum(nil)); got != v.want {
			return n, fmt.Errorf("blob bytes hash to %s, not %s", got, v.want)
		}
	}
	return n, err
}
