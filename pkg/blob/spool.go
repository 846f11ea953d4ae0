package blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
)

// Spool is where Spool.Put keeps bytes until their SHA-256 is known: in memory up to
// Memory bytes and in a temporary file in Dir beyond ("" for the system's), so that a
// 500 MB exhibit never sits in RAM.
type Spool struct {
	Dir    string
	Memory int64
}

// Put stores the bytes that fill writes (a download) in s under their SHA-256, which is
// known only once they are all written, and returns the sum and the size. fill's error
// comes back as it is; the spool's and the store's say what (a blob's name) failed.
func (sp Spool) Put(ctx context.Context, s Store, what string, fill func(io.Writer) (int64, error)) (string, int64, error) {
	w := &spool{dir: sp.Dir, max: sp.Memory}
	defer w.close()
	h := sha256.New()
	n, err := fill(io.MultiWriter(w, h))
	if err != nil {
		return "", n, err
	}
	if w.err != nil {
		return "", n, fmt.Errorf("spooling %s: %w", what, w.err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	r, err := w.reader()
	if err != nil {
		return "", n, fmt.Errorf("spooling %s: %w", what, err)
	}
	if err := s.Put(ctx, sum, r); err != nil {
		return "", n, fmt.Errorf("storing %s: %w", what, err)
	}
	return sum, n, nil
}

// spool holds what is written in memory up to max bytes and in a temporary file beyond.
type spool struct {
	dir string
	max int64
	buf bytes.Buffer
	f   *os.File
	err error
}

func (s *spool) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if s.f == nil && int64(s.buf.Len()+len(p)) <= s.max {
		return s.buf.Write(p)
	}
	if s.f == nil {
		f, err := os.CreateTemp(s.dir, "docketwatch-blob-*")
		if err != nil {
			s.err = err
			return 0, err
		}
		s.f = f
		if _, err := f.Write(s.buf.Bytes()); err != nil {
			s.err = err
			return 0, err
		}
		s.buf = bytes.Buffer{}
	}
	n, err := s.f.Write(p)
	if err != nil {
		s.err = err
	}
	return n, err
}

func (s *spool) reader() (io.Reader, error) {
	if s.f == nil {
		return bytes.NewReader(s.buf.Bytes()), nil
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return s.f, nil
}

func (s *spool) close() {
	if s.f != nil {
		s.f.Close()
		os.Remove(s.f.Name())
		s.f = nil
	}
}
