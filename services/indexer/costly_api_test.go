package indexer

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
	"github.com/docketwatch/docketwatch/pkg/poll"
	"github.com/docketwatch/docketwatch/pkg/testcpu"
	"github.com/docketwatch/docketwatch/services/api"
	"github.com/docketwatch/docketwatch/services/indexer/schema"
)

// TestCostlyQueriesDoNotStarveOthers: one client floods the API with the costliest
// queries the limits allow, over twenty connections; another client's one-word searches
// stay fast (p99 under 100 ms), because the search gate gives each client its share of
// the places. The query that once cost a gigabyte (500 fuzzy terms) is refused with 400.
func TestCostlyQueriesDoNotStarveOthers(t *testing.T) {
	if testing.Short() {
		t.Skip("floods a real index for seconds")
	}
	x := openTemp(t)
	rng := rand.New(rand.NewPCG(7, 11))
	vocab := make([]string, 3000)
	for i := range vocab {
		var b strings.Builder
		for range 6 + rng.IntN(4) {
			b.WriteByte(byte('a' + rng.IntN(26)))
		}
		vocab[i] = b.String()
	}
	var entries []entry
	for d := range 300 {
		words := make([]string, 400)
		for i := range words {
			words[i] = vocab[rng.IntN(len(vocab))]
		}
		if d == 0 {
			words[0] = "zeppelin"
		}
		entries = append(entries, entry{text: textOf(fmt.Sprintf("t:doc-%d", d), 1, strings.Join(words, " "))})
	}
	if err := x.write(entries, time.Now()); err != nil {
		t.Fatal(err)
	}

	// The clients come through a trusted proxy that names them, as behind a load balancer.
	policy := api.Policy{PublicReads: true, Rate: -1, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
	h := api.Protect(api.Handler(api.HandlerDeps{Searcher: remoteSearcher(t, bustest.Server(t), x, 8), Gate: api.NewSearchGate(0, 0, 0)}), policy)
	conns := api.NewConnLimit(256)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := api.NewServer(h, conns)
	ln = conns.Wrap(ln)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	base := "http://" + ln.Addr().String() + "/api/v1/search?q="
	askFor := func(client *http.Client, from, q string) (int, time.Duration, string) {
		req, _ := http.NewRequest("GET", base+url.QueryEscape(q), nil)
		req.Header.Set("X-Forwarded-For", from)
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return 0, time.Since(start), err.Error()
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, time.Since(start), string(body)
	}
	ask := func(client *http.Client, from, q string) (int, time.Duration) {
		code, took, _ := askFor(client, from, q)
		return code, took
	}

	var fuzzy500 []string
	for i := range 500 {
		fuzzy500 = append(fuzzy500, fmt.Sprintf("t%d~2", i))
	}
	// Refused at once: by the query parser's limits, before any term is expanded (the
	// answer names the limit), and on CPU time, not wall time, which on a loaded machine
	// includes waiting for a core (index, NATS and API are all in this process). Run
	// without the limits, this query answered 200 after 1 s of CPU.
	cpu0 := testcpu.Process(t)
	code, took, body := askFor(http.DefaultClient, "203.0.113.9", strings.Join(fuzzy500, " "))
	cpu := testcpu.Process(t) - cpu0
	if code != http.StatusBadRequest || !strings.Contains(body, "the most one query may have") || cpu > 250*time.Millisecond {
		t.Fatalf("500 fuzzy terms: %d %q after %v, %v of CPU; want 400 naming the limit at once", code, body, took, cpu)
	}
	t.Logf("500 fuzzy terms refused after %v, %v of CPU", took, cpu)

	// The costliest query within the limits: eight fuzzy terms of distance 2.
	var costly []string
	for i := range schema.MaxExpandingTerms {
		costly = append(costly, vocab[i]+"~2")
	}
	costlyQ := strings.Join(costly, " ")
	_, one := ask(http.DefaultClient, "203.0.113.9", costlyQ)
	t.Logf("one costly query alone: %v", one)

	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var mu sync.Mutex
	floodCodes := map[int]int{}
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &http.Client{Timeout: time.Minute}
			for ctx.Err() == nil {
				code, _ := ask(c, "203.0.113.9", costlyQ)
				mu.Lock()
				floodCodes[code]++
				mu.Unlock()
				if code == http.StatusTooManyRequests {
					// Told to wait, the flood waits the second it was told: its cost is
					// in the queries it gets run, not in the refusals.
					select {
					case <-ctx.Done():
					case <-time.After(time.Second):
					}
				}
			}
		}()
	}
	// The flood is under way once it has had an answer: with the gate, a 429 (a place
	// taken and the queue full) or a costly search done. (A fixed 200 ms could end, on a
	// loaded machine, before the flood's requests arrived, and measure nothing.)
	poll.Until(t, 30*time.Second, "the flood's first answer", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(floodCodes) > 0
	})
	// The p99 of 200 searches, measured in up to three windows: the test shares its
	// machine (go test runs packages side by side), and one window may meet another
	// package's burst. Without the gate every window is far over (seconds).
	mine := &http.Client{Timeout: time.Minute}
	var windows []string
	passed := false
	for range 3 {
		var lat []time.Duration
		for range 200 {
			code, took := ask(mine, "198.51.100.20", "zeppelin")
			if code != 200 {
				t.Fatalf("the other client's search answered %d", code)
			}
			lat = append(lat, took)
		}
		slices.Sort(lat)
		p50, p99 := lat[len(lat)/2], lat[len(lat)*99/100]
		windows = append(windows, fmt.Sprintf("p50 %v p99 %v", p50.Round(100*time.Microsecond), p99.Round(100*time.Microsecond)))
		if p99 < 100*time.Millisecond {
			passed = true
			break
		}
	}
	stop()
	wg.Wait()
	t.Logf("other client during the flood: %s; flood answers %v", strings.Join(windows, "; "), floodCodes)
	if !passed {
		t.Errorf("the other client's p99 was over 100 ms in every window during the flood: %s", strings.Join(windows, "; "))
	}
}
