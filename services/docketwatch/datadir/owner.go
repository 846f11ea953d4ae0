package datadir

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"sync"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/nats-io/nats.go"
)

// ownerPatience is how long a connection to the owner keeps trying after losing it
// before it closes: a `run` restarted by hand or by its supervisor is back well within
// it; a `run` that is gone for good is reported, not waited for.
const ownerPatience = 2 * time.Minute

// ConnectOwner connects as name to the NATS server of the process serving dir, and
// follows that process across restarts: a restarted `run` listens on a new port with a
// new token, so every (re)connection reads the owner file again. The connection closes
// after ownerPatience without an owner to reach; Closed tells the waiting work.
func ConnectOwner(dir, name string) (*nats.Conn, Owner, error) {
	owner, err := ReadOwner(dir)
	if err != nil {
		return nil, owner, err
	}
	d := &ownerDialer{dir: dir, owner: owner}
	wait := time.Second
	nc, err := bus.Connect(owner.NATS, name, nats.SetCustomDialer(d), nats.TokenHandler(d.token),
		nats.ReconnectWait(wait), nats.MaxReconnects(int(ownerPatience/wait)))
	if err != nil {
		return nil, owner, fmt.Errorf("reaching the docketwatch (pid %d) serving %s: %w", owner.PID, dir, err)
	}
	return nc, owner, nil
}

// Closed returns a channel that receives an error when nc has closed for good: what
// waits on work handed to the owner selects on it rather than waiting forever.
func Closed(nc *nats.Conn, dir string) <-chan error {
	ch := make(chan error, 1)
	nc.SetClosedHandler(func(*nats.Conn) {
		ch <- fmt.Errorf("lost the docketwatch serving %s: no process has served it for %s", dir, ownerPatience)
	})
	return ch
}

// ownerDialer dials whatever process the owner file names now, whichever server URL
// the connection thinks it is reconnecting to.
type ownerDialer struct {
	dir string

	mu    sync.Mutex
	owner Owner
}

func (d *ownerDialer) Dial(network, _ string) (net.Conn, error) {
	owner, err := ReadOwner(d.dir)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(owner.NATS)
	if err != nil || u.Host == "" {
		return nil, errors.New("the owner file names no NATS address")
	}
	d.mu.Lock()
	d.owner = owner
	d.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return (&net.Dialer{}).DialContext(ctx, network, u.Host)
}

// token is the token of the owner last dialled.
func (d *ownerDialer) token() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.owner.Token
}
