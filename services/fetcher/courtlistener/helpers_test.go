package courtlistener

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/testclock"
	"github.com/docketwatch/docketwatch/services/fetcher/courtlistener/clfake"
)

func newTestClient(t testing.TB, srv *clfake.Server, clk *testclock.Clock, mod func(*Config)) *Client {
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
