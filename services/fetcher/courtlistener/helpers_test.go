package courtlistener

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/services/fetcher/courtlistener/clfake"
)

// fakeClock is shared by the fake server's throttle and the client's sleeps, so that a
// test can wait out a minute of rate limit instantly.
type fakeClock struct {
	mu    sync.Mutex
	t     time.Time
	slept time.Duration
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	c.slept += d
	return ctx.Err()
}

func newTestClient(t testing.TB, srv *clfake.Server, clk *fakeClock, mod func(*Config)) *Client {
	t.Helper()
	cfg := Config{
		BaseURL: srv.APIBase(), StorageURL: srv.StorageBase(), Token: srv.Token(),
		Budget: &Limits{}, HTTPClient: srv.Client(), Backoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond,
		Now: clk.Now, Sleep: clk.Sleep,
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// hashFetch is a FetchFunc that downloads through the client into memory and "stores"
// the bytes by their SHA-256, as the blob store would.
func hashFetch(c *Client) FetchFunc {
	return func(ctx context.Context, url, wantSHA1 string, wantSize int64) (filing.BlobRef, error) {
		var buf bytes.Buffer
		n, err := c.Download(ctx, url, wantSHA1, wantSize, &buf)
		if err != nil {
			return filing.BlobRef{}, err
		}
		sum := sha256.Sum256(buf.Bytes())
		return filing.BlobRef{SHA256: hex.EncodeToString(sum[:]), Size: n}, nil
	}
}
