// Package datadir manages a docketwatch data directory: the lock that makes one process
// its owner (bleve and the embedded NATS server both need exclusive use), and the owner
// file through which a CLI finds a running `docketwatch run` to hand work to.
package datadir

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// ErrBusy says another process owns the data directory.
var ErrBusy = errors.New("data directory is in use by another docketwatch process")

// Owner is what a serving process publishes about itself.
type Owner struct {
	PID   int    `json:"pid"`
	NATS  string `json:"nats"`
	Token string `json:"token"`
	HTTP  string `json:"http,omitempty"`
}

const (
	lockFile  = "LOCK"
	ownerFile = "owner.json"
)

// Lock is held by the owning process until Release.
type Lock struct {
	f   *os.File
	dir string
}

// Acquire creates dir if needed and takes its lock without waiting: ErrBusy when another
// process holds it. The kernel releases the lock when the process dies, so a crash never
// leaves a directory locked.
func Acquire(dir string) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating data directory: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, lockFile), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, ErrBusy
		}
		return nil, fmt.Errorf("locking data directory: %w", err)
	}
	return &Lock{f: f, dir: dir}, nil
}

// Publish writes the owner file, readable only by this user: it holds the NATS token.
func (l *Lock) Publish(o Owner) error {
	data, err := json.Marshal(o)
	if err != nil {
		return err
	}
	tmp := filepath.Join(l.dir, ownerFile+".tmp")
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("writing owner file: %w", err)
	}
	return os.Rename(tmp, filepath.Join(l.dir, ownerFile))
}

// Withdraw removes the owner file: the process is shutting down and takes no new work.
func (l *Lock) Withdraw() { os.Remove(filepath.Join(l.dir, ownerFile)) }

// Release removes the owner file and releases the lock. It is safe to call twice.
func (l *Lock) Release() {
	if l.f == nil {
		return
	}
	os.Remove(filepath.Join(l.dir, ownerFile))
	l.f.Close()
	l.f = nil
}

// ReadOwner returns what the process owning dir published. A lock held without an
// owner file is a process that does not serve (an ingest or a search of its own).
func ReadOwner(dir string) (Owner, error) {
	var o Owner
	data, err := os.ReadFile(filepath.Join(dir, ownerFile))
	if errors.Is(err, os.ErrNotExist) {
		return o, fmt.Errorf("%w and it serves nothing to hand work to (a one-off ingest or search?): try again when it ends", ErrBusy)
	}
	if err != nil {
		return o, err
	}
	if err := json.Unmarshal(data, &o); err != nil {
		return o, fmt.Errorf("reading owner file: %w", err)
	}
	return o, nil
}

// APIToken returns the data directory's API token, creating it (random, readable only by
// this user) on first use, and the file that holds it.
func APIToken(dir string) (path, token string, err error) {
	path = filepath.Join(dir, "api-token")
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) >= 32 {
		return path, strings.TrimSpace(string(b)), nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", "", err
	}
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		return "", "", err
	}
	token = hex.EncodeToString(raw)
	if err := os.WriteFile(path, []byte(token+"\n"), 0o600); err != nil {
		return "", "", fmt.Errorf("writing API token: %w", err)
	}
	return path, token, nil
}
