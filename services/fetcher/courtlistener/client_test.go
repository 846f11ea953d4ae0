package courtlistener

import (
	"bytes"
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/fault"
	"github.com/docketwatch/docketwatch/pkg/testclock"
	"github.com/docketwatch/docketwatch/services/fetcher/courtlistener/clfake"
)

func TestClientErrors(t *testing.T) {
	tests := []struct {
		name          string
		fake          clfake.Config
		faults        clfake.Faults
		token         string
		maxWait       time.Duration
		wantKind      fault.Kind
		wantMsg       string
		wantRetryWait bool
	}{
		{name: "bad token", token: strings.Repeat("b", 40), wantKind: fault.Permanent, wantMsg: "401 Invalid token."},
		{name: "no RECAP permission", fake: clfake.Config{DenyRECAP: true}, wantKind: fault.Permanent, wantMsg: "403 You do not have permission"},
		{name: "5xx storm", faults: clfake.Faults{ServerErrorEvery: 1}, wantKind: fault.Transient, wantMsg: "server error"},
		{name: "429 storm", faults: clfake.Faults{ThrottleEvery: 1, RetryAfter: 30}, wantKind: fault.RateLimited, wantMsg: "429", wantRetryWait: true},
		{name: "Retry-After beyond MaxWait", faults: clfake.Faults{ThrottleEvery: 1, RetryAfter: 600}, maxWait: time.Minute, wantKind: fault.RateLimited, wantMsg: "429", wantRetryWait: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fake.Courts = []string{"nysd"}
			tc.fake.DocumentsPerCourt = 30
			srv := clfake.Start(t, tc.fake)
			srv.SetFaults(tc.faults)
			clk := testclock.New(time.Now())
			c := newTestClient(t, srv, clk, func(cfg *Config) {
				if tc.token != "" {
					cfg.Token = tc.token
				}
				if tc.maxWait > 0 {
					cfg.MaxWait = tc.maxWait
				}
			})
			_, err := NewSource(c, SourceConfig{}).Poll(context.Background(), NewCursor("nysd", DateCreated, time.Time{}, time.Time{}), nil)
			if err == nil {
				t.Fatal("Poll: nil error")
			}
			if fault.KindOf(err) != tc.wantKind || !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("err = %v (kind %v); want kind %v containing %q", err, fault.KindOf(err), tc.wantKind, tc.wantMsg)
			}
			if strings.Contains(err.Error(), srv.Token()) || (tc.token != "" && strings.Contains(err.Error(), tc.token)) {
				t.Errorf("error message leaks the token: %v", err)
			}
			if tc.wantRetryWait && fault.RetryAfter(err) <= 0 {
				t.Errorf("RetryAfter = %v; want > 0", fault.RetryAfter(err))
			}
		})
	}
}

// TestClientRetryBackoff: a request failing with 5xx is retried MaxRetries times, each
// wait bus.ExponentialBackoff's from Backoff to MaxBackoff, within bus.Jitter's quarter.
func TestClientRetryBackoff(t *testing.T) {
	srv := clfake.Start(t, clfake.Config{Courts: []string{"nysd"}, DocumentsPerCourt: 30})
	srv.SetFaults(clfake.Faults{ServerErrorEvery: 1})
	var waits []time.Duration
	c := newTestClient(t, srv, testclock.New(time.Now()), func(cfg *Config) {
		cfg.MaxRetries, cfg.Backoff, cfg.MaxBackoff = 5, time.Second, 10*time.Second
		cfg.Sleep = func(ctx context.Context, d time.Duration) error { waits = append(waits, d); return ctx.Err() }
	})
	if _, err := c.RECAPDocument(context.Background(), srv.Documents("nysd")[0].ID); fault.KindOf(err) != fault.Transient {
		t.Fatalf("err = %v (kind %v); want a transient error after the retries", err, fault.KindOf(err))
	}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second}
	if len(waits) != len(want) || srv.Stats().Requests != len(want)+1 {
		t.Fatalf("waited %v between %d requests; want %d waits between %d", waits, srv.Stats().Requests, len(want), len(want)+1)
	}
	for i, w := range want {
		if waits[i] < w*3/4 || waits[i] > w*5/4 {
			t.Errorf("wait %d: %v; want %v give or take a quarter", i+1, waits[i], w)
		}
	}
}

func TestClientHonoursServerRateLimit(t *testing.T) {
	clk := testclock.New(time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC))
	srv := clfake.Start(t, clfake.Config{Courts: []string{"nysd"}, DocumentsPerCourt: 30, Rates: clfake.Rates{PerMinute: 3}, Now: clk.Now})
	c := newTestClient(t, srv, clk, nil)
	for i := 0; i < 7; i++ {
		if _, err := c.RECAPDocument(context.Background(), srv.Documents("nysd")[0].ID); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	st := srv.Stats()
	if st.Throttled == 0 || clk.Slept() < 2*time.Minute-10*time.Second {
		t.Errorf("throttled %d times, slept %v; want 429s answered by waiting about 2 minutes", st.Throttled, clk.Slept())
	}
}

func TestClientBudget(t *testing.T) {
	clk := testclock.New(time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC))
	srv := clfake.Start(t, clfake.Config{Courts: []string{"nysd"}, DocumentsPerCourt: 30})
	c := newTestClient(t, srv, clk, func(cfg *Config) { cfg.Budget = &Limits{PerMinute: 2, PerHour: 3} })
	id := srv.Documents("nysd")[0].ID
	for i := 0; i < 2; i++ {
		if _, err := c.RECAPDocument(context.Background(), id); err != nil {
			t.Fatal(err)
		}
	}
	if clk.Slept() != 0 {
		t.Fatalf("slept %v within the budget", clk.Slept())
	}
	if _, err := c.RECAPDocument(context.Background(), id); err != nil || clk.Slept() < 59*time.Second {
		t.Fatalf("third request: err %v after sleeping %v; want a wait of about a minute", err, clk.Slept())
	}
	// The hour's three are spent: the next slot is an hour away, beyond MaxWait.
	_, err := c.RECAPDocument(context.Background(), id)
	if fault.KindOf(err) != fault.RateLimited || fault.RetryAfter(err) < 50*time.Minute {
		t.Fatalf("fourth request: err %v retry after %v; want RateLimited for about an hour", err, fault.RetryAfter(err))
	}
	if got := srv.Stats().Requests; got != 3 {
		t.Errorf("server saw %d requests; want 3", got)
	}
}

func TestClientRejectsForeignHostsAndBadFilters(t *testing.T) {
	srv := clfake.Start(t, clfake.Config{Courts: []string{"nysd"}, DocumentsPerCourt: 30})
	c := newTestClient(t, srv, testclock.New(time.Now()), nil)
	var v map[string]any
	err := c.getJSON(context.Background(), "https://evil.example/api/rest/v4/dockets/", &v)
	if !fault.IsPermanent(err) || !strings.Contains(err.Error(), "refusing to send the token") {
		t.Errorf("foreign host: err = %v", err)
	}
	err = c.getJSON(context.Background(), c.endpoint("recap-documents/", url.Values{"court": {"nysd"}}), &v)
	if !fault.IsPermanent(err) || !strings.Contains(err.Error(), "Unknown filter parameters") {
		t.Errorf("unknown filter: err = %v", err)
	}
	// Storage downloads verify size and SHA-1.
	doc := srv.Documents("nysd")[0]
	for !doc.IsAvailable {
		doc = srv.Documents("nysd")[1]
	}
	var buf bytes.Buffer
	if _, err := c.Download(context.Background(), c.StorageURL(doc.FilepathLocal), doc.SHA1, doc.FileSize, &buf); err != nil || !bytes.Equal(buf.Bytes(), doc.PDF) {
		t.Fatalf("Download: err %v, %d bytes", err, buf.Len())
	}
	_, err = c.Download(context.Background(), c.StorageURL(doc.FilepathLocal), strings.Repeat("0", 40), doc.FileSize, &buf)
	if !fault.IsPermanent(err) || !strings.Contains(err.Error(), "sha1") {
		t.Errorf("Download with wrong sha1: err = %v", err)
	}
	if _, err := New(Config{}); err == nil {
		t.Error("New without a token: nil error")
	}
}
