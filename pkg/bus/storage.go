package bus

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Free space an embedded server needs: MinStartFree to start, and, after its disk
// filled, recoverFree before JetStream is started again (less would fill at once).
const (
	MinStartFree = 32 << 20
	recoverFree  = 64 << 20
	// recheckFree is how often a full disk is measured again. Free space sends no event;
	// this runs only while the disk is full.
	recheckFree = 2 * time.Second
)

// FreeBytes is the space an unprivileged process may still write on dir's volume.
func FreeBytes(dir string) (uint64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, fmt.Errorf("measuring free space of %s: %w", dir, err)
	}
	return st.Bavail * uint64(st.Bsize), nil
}

// storageGuard watches an embedded server for the write errors of a full disk. A
// filestore that failed a write keeps failing every write after it, even once space is
// back, while the server still calls JetStream enabled; so the guard reports the disk
// full (Storage), and once the volume has room again it restarts JetStream, which
// reopens every stream from its files.
type storageGuard struct {
	srv      *server.Server
	storeDir string
	log      *slog.Logger

	mu  sync.Mutex
	err error // non-nil while the disk is full
	// restarts counts the JetStream restarts after a full disk.
	restarts int
}

// full records a write error of the server's and starts waiting for space, once.
func (g *storageGuard) full(msg string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.err != nil {
		return
	}
	free, _ := FreeBytes(g.storeDir)
	g.err = fmt.Errorf("the disk of the NATS store is full (%d MiB free): JetStream stores nothing until %d MiB are free", free>>20, recoverFree>>20)
	g.log.Error("disk full: jetstream stopped storing", "store", g.storeDir, "free_mib", free>>20, "err", msg)
	go g.waitForSpace()
}

// Storage is nil while the server stores, and says why not while the disk is full.
func (g *storageGuard) Storage() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.err
}

func (g *storageGuard) waitForSpace() {
	t := time.NewTicker(recheckFree)
	defer t.Stop()
	for range t.C {
		if !g.srv.Running() {
			return
		}
		free, err := FreeBytes(g.storeDir)
		if err != nil || free < recoverFree {
			continue
		}
		cfg := g.srv.JetStreamConfig()
		if cfg == nil {
			continue
		}
		// JetStreamConfig names the directory JetStream made inside the one it was given.
		cfg.StoreDir = filepath.Dir(cfg.StoreDir)
		g.srv.ShutdownJetStream()
		if err := g.srv.EnableJetStream(cfg); err != nil {
			g.log.Error("restarting jetstream after a full disk", "err", err)
			continue
		}
		g.mu.Lock()
		g.err = nil
		g.restarts++
		g.mu.Unlock()
		g.log.Info("disk has room again: jetstream restarted", "store", g.storeDir, "free_mib", free>>20)
		return
	}
}

// serverLog forwards the embedded server's warnings and errors to the process's log,
// and tells the guard of a write that failed for want of space.
type serverLog struct {
	log   *slog.Logger
	guard *storageGuard
}

func (l serverLog) Noticef(string, ...any) {}
func (l serverLog) Debugf(string, ...any)  {}
func (l serverLog) Tracef(string, ...any)  {}
func (l serverLog) Warnf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	if strings.HasPrefix(msg, "Maximum payloads over") {
		return // MaxPayload is large on purpose (server.go), and said at every start
	}
	l.log.Warn("nats: " + msg)
}
func (l serverLog) Fatalf(format string, v ...any) {
	l.log.Error("nats: " + fmt.Sprintf(format, v...))
}
func (l serverLog) Errorf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	if outOfSpace(msg) {
		l.guard.full(msg)
		return
	}
	l.log.Error("nats: " + msg)
}

// outOfSpace recognises the server's messages about a full disk: a filestore's write
// error (ENOSPC) or JetStream running out of its storage resources.
func outOfSpace(msg string) bool {
	return strings.Contains(msg, "no space left on device") || strings.Contains(msg, "out of resources") ||
		strings.Contains(msg, "out of file resources")
}
