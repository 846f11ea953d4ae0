package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/alert"
	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/poll"
	"github.com/docketwatch/docketwatch/pkg/search"
	"github.com/docketwatch/docketwatch/pkg/testpdf"
	"github.com/docketwatch/docketwatch/services/alerter/webhook"
	"github.com/docketwatch/docketwatch/services/docketwatch/ingest"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// TestChaos ingests over a thousand filings, a few of them genuinely broken, through
// separate extractor, indexer, alerter and API processes on a real nats-server, while
// it SIGKILLs those processes one after another (and the NATS server itself) and
// restarts them. At the end every good document is indexed exactly once, every bad one
// is parked in DEAD and nothing else is, and the alert rule matching a known tenth of the
// documents delivered one alert per matching document, by Idempotency-Key.
func TestChaos(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts real processes for a few minutes")
	}
	started := time.Now()
	t.Setenv("DOCKETWATCH_WEBHOOK_ALLOW_PRIVATE", "1") // the webhook receiver is on loopback (the role processes read it)
	const files, every = 1000, 10

	// The corpus: generated filings, one in ten mentioning a sanctions hearing, and four
	// files no extractor can read.
	in := t.TempDir()
	good := map[filing.DocID]string{}
	want := map[filing.DocID]bool{} // documents the rule must alert on
	for i := range files {
		body := fmt.Sprintf("The parties met and conferred on %d occasions about the protective order.", i%11)
		if i%every == 3 {
			body = fmt.Sprintf("Notice: the sanctions hearing is continued to courtroom %d.", i%17)
		}
		path := filepath.Join(in, fmt.Sprintf("order-%04d.pdf", i))
		writeFile(t, path, testpdf.New(fmt.Sprintf("UNITED STATES DISTRICT COURT\nOrder %d on the motion to seal exhibit %d", i, i%37), body))
		id := fileID(t, path)
		good[id] = path
		if i%every == 3 {
			want[id] = true
		}
	}
	bad := map[filing.DocID]string{}
	for name, data := range map[string][]byte{
		"empty.pdf":     {},
		"junk.pdf":      []byte("<html><body>404 Not Found</body></html>"),
		"not-a-pdf.pdf": []byte("%PDF-1.4 this is not really a pdf"),
		"truncated.pdf": testpdf.New("UNITED STATES DISTRICT COURT", "a page never written")[:64],
	} {
		path := filepath.Join(in, name)
		writeFile(t, path, data)
		bad[fileID(t, path)] = name
	}

	hooks := newHookReceiver(t, "chaos-secret")

	srv := startNATSServer(t, t.TempDir())
	common := []string{"--nats", srv.url, "--http", ""}
	stages := map[string]*stage{
		"indexer":   newStage(t, "indexer", append(slices.Clone(common), "--data", t.TempDir())...),
		"extractor": newStage(t, "extractor", common...),
		"alerter":   newStage(t, "alerter", common...),
		"api":       newStage(t, "api", "--nats", srv.url, "--http", "127.0.0.1:0"),
	}
	for _, name := range []string{"indexer", "extractor", "alerter", "api"} {
		if err := stages[name].start(); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := docketwatch(t, "alerts", "add", "--nats", srv.url, "--name", "sanctions", "--query", `"sanctions hearing"`,
		"--webhook", hooks.url, "--secret", "chaos-secret").CombinedOutput(); err != nil {
		t.Fatalf("alerts add: %v: %s", err, out)
	}

	// The watcher's own connection reads progress and, at the end, the streams.
	_, js := bustest.Dial(t, srv.url, "chaos-test")

	// Faults are spread over the ingest by progress, so that each one lands while there
	// is work in flight whatever the machine's speed: kill victims[k] once k/(n+1) of the
	// documents are indexed.
	seed := uint64(time.Now().UnixNano())
	t.Logf("chaos seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	victims := []string{"extractor", "indexer", "alerter", "api", "nats", "extractor", "indexer", "alerter", "extractor", "nats", "indexer", "api"}
	rng.Shuffle(len(victims), func(i, j int) { victims[i], victims[j] = victims[j], victims[i] })
	kills := map[string]int{}
	chaosDone := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		defer close(chaosDone)
		for k, victim := range victims {
			threshold := uint64(files * (k + 1) / (len(victims) + 1))
			for indexedCount(ctx, js) < threshold {
				select {
				case <-ctx.Done():
					return
				case <-time.After(200 * time.Millisecond):
				}
			}
			down := time.Duration(200+rng.IntN(1500)) * time.Millisecond
			if victim == "nats" {
				srv.kill()
				time.Sleep(down)
				if err := srv.start(); err != nil {
					t.Errorf("restarting nats-server: %v", err)
					return
				}
			} else {
				stages[victim].kill()
				time.Sleep(down)
				// A role restarted while NATS is still recovering waits for it.
				if err := stages[victim].start(); err != nil {
					t.Errorf("restarting %s: %v", victim, err)
					return
				}
			}
			kills[victim]++
			t.Logf("%6.1fs killed and restarted %s (down %v) at %d indexed", time.Since(started).Seconds(), victim, down, threshold)
		}
	}()

	// The ingest is an operator's: run it again until every file has its fate, as one
	// would after an ingest that failed because NATS went away under it.
	fate := map[string]ingest.File{}
	rounds := 0
	for deadline := time.Now().Add(3 * time.Minute); ; rounds++ {
		if time.Now().After(deadline) {
			t.Fatalf("after %d ingest rounds, %d of %d files have a fate", rounds, len(fate), len(good)+len(bad))
		}
		sum, err := ingestRound(t, srv.url, in)
		if sum != nil {
			for _, f := range sum.Files {
				if f.Status != "" && f.Status != ingest.Failed {
					fate[filepath.Base(f.Path)] = f
				}
			}
		}
		if err == nil && sum.Count[ingest.Failed] == 0 && len(fate) == len(good)+len(bad) {
			break
		}
		if err != nil {
			t.Logf("%6.1fs ingest round %d: %v", time.Since(started).Seconds(), rounds+1, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Logf("%6.1fs ingest settled after %d rounds", time.Since(started).Seconds(), rounds+1)
	<-chaosDone
	if t.Failed() {
		return
	}
	for _, v := range []string{"extractor", "indexer", "alerter", "api", "nats"} {
		if kills[v] == 0 {
			t.Errorf("%s was never killed; the chaos did not happen", v)
		}
	}

	// Let every stage drain what it still holds (a message held by a killed process
	// comes back after its AckWait).
	bustest.WaitDrained(t, js, 90*time.Second, bustest.Durable{Stream: bus.Filings, Name: "extractor"}, bustest.Durable{Stream: bus.Texts, Name: "indexer"},
		bustest.Durable{Stream: bus.Indexed, Name: "alerter"}, bustest.Durable{Stream: bus.Alerts, Name: "alerter-webhook"})

	// Indexed exactly once: one INDEXED announcement per good document, none for a bad one.
	announced := countByDocID(t, js, bus.Indexed)
	for id, path := range good {
		if announced[id] != 1 {
			t.Errorf("%s (%s) announced as indexed %d times; want 1", filepath.Base(path), id, announced[id])
		}
	}
	for id, name := range bad {
		if announced[id] != 0 {
			t.Errorf("bad file %s announced as indexed", name)
		}
	}
	// ... and the index holds each good document once, as the API serves it.
	api := stages["api"].currentURL()
	var all search.Result
	getJSON(t, api+"/api/v1/search?limit=1000", http.StatusOK, &all)
	inIndex := map[filing.DocID]int{}
	for _, h := range all.Hits {
		inIndex[h.ID]++
	}
	dupHits := 0
	for id, n := range inIndex {
		if n != 1 || good[id] == "" {
			dupHits++
			t.Errorf("%s is in the index %d times (a good document: %t)", id, n, good[id] != "")
		}
	}
	if all.Total != uint64(len(good)) || len(inIndex) != len(good) {
		t.Errorf("the index holds %d documents (%d distinct); want %d", all.Total, len(inIndex), len(good))
	}

	// DEAD holds the bad files, each once, and nothing else.
	parked, err := bus.ListParked(context.Background(), js, 0)
	if err != nil {
		t.Fatal(err)
	}
	parkedCount := map[filing.DocID]int{}
	for _, p := range parked {
		parkedCount[p.ID]++
		if bad[p.ID] == "" {
			t.Errorf("DEAD holds %s parked by %s after %d attempts: %s; only the bad files belong there", p.ID, p.Stage, p.Attempts, p.Reason)
		}
	}
	for id, name := range bad {
		if parkedCount[id] != 1 {
			t.Errorf("bad file %s is parked %d times; want once", name, parkedCount[id])
		}
		if f := fate[name]; f.Status != ingest.Parked {
			t.Errorf("ingest says %s is %s; want parked", name, f.Status)
		}
	}

	// Alerts: one event on ALERTS per matching document, and one delivery per
	// Idempotency-Key at the receiver (a redelivery after a kill repeats the key).
	alerted := countByDocID(t, js, bus.Alerts)
	for id := range want {
		if alerted[id] != 1 {
			t.Errorf("%s matches the rule; %d alert events; want 1", good[id], alerted[id])
		}
	}
	for id, n := range alerted {
		if !want[id] {
			t.Errorf("%s does not match the rule; %d alert events", id, n)
		}
	}
	hooks.waitFor(t, len(want), 60*time.Second)
	time.Sleep(2 * time.Second) // a late, unexpected delivery would show up here
	byKey, byDoc, posts, badSig := hooks.snapshot()
	for id := range want {
		if len(byDoc[id]) != 1 {
			t.Errorf("%s: delivered under keys %v; want exactly one", good[id], byDoc[id])
		}
	}
	for id := range byDoc {
		if !want[id] {
			t.Errorf("a webhook delivery for %s, which does not match the rule", id)
		}
	}
	if badSig > 0 {
		t.Errorf("%d deliveries with a wrong signature", badSig)
	}

	t.Logf("files: %d good, %d bad; ingest rounds: %d", len(good), len(bad), rounds+1)
	t.Logf("kills: %v (%d in all)", kills, len(victims))
	t.Logf("indexed: %d documents in the index, %d INDEXED announcements, %d duplicates", len(inIndex), countAll(announced), dupHits)
	t.Logf("dead: %d parked (%d bad files)", len(parked), len(bad))
	t.Logf("alerts: %d expected, %d events on ALERTS, %d distinct Idempotency-Keys delivered, %d POSTs in all (%d repeats of a key)",
		len(want), countAll(alerted), len(byKey), posts, posts-len(byKey))
	t.Logf("took %v", time.Since(started).Round(time.Second))
}

func countAll(m map[filing.DocID]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// ingestRound runs one ingest of dir over its own connection, bounded in time.
func ingestRound(t *testing.T, url, dir string) (*ingest.Summary, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	nc, err := bus.Connect(url, "chaos-ingest", nats.MaxReconnects(-1))
	if err != nil {
		return nil, err
	}
	defer nc.Close()
	deps, _, err := clientDeps(ctx, nc)
	if err != nil {
		return nil, err
	}
	return ingest.Run(ctx, deps, []string{dir})
}

// indexedCount is how many documents INDEXED announced, 0 while NATS is away.
func indexedCount(ctx context.Context, js jetstream.JetStream) uint64 {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, bus.Indexed)
	if err != nil {
		return 0
	}
	return s.CachedInfo().State.Msgs
}

// countByDocID reads a whole stream and counts its messages by Doc-Id header.
func countByDocID(t *testing.T, js jetstream.JetStream, stream string) map[filing.DocID]int {
	t.Helper()
	out := map[filing.DocID]int{}
	for _, m := range bustest.Messages(t, js, stream) {
		out[filing.DocID(m.Headers().Get(bus.HeaderDocID))]++
	}
	return out
}

// hookReceiver is a webhook endpoint that records each delivery by Idempotency-Key and
// by the document it is about.
type hookReceiver struct {
	url    string
	secret string
	mu     sync.Mutex
	byKey  map[string]int
	byDoc  map[filing.DocID][]string
	posts  int
	badSig int
}

func newHookReceiver(t *testing.T, secret string) *hookReceiver {
	h := &hookReceiver{secret: secret, byKey: map[string]int{}, byDoc: map[filing.DocID][]string{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		var e alert.Event
		_ = json.Unmarshal(body, &e)
		key := r.Header.Get(webhook.HeaderIdempotency)
		h.mu.Lock()
		defer h.mu.Unlock()
		h.posts++
		if webhook.Verify(h.secret, body, r.Header.Get(webhook.HeaderSignature), time.Now()) != nil {
			h.badSig++
		}
		if h.byKey[key]++; h.byKey[key] == 1 && e.Alert != nil {
			h.byDoc[e.Alert.DocID] = append(h.byDoc[e.Alert.DocID], key)
		}
	}))
	t.Cleanup(srv.Close)
	h.url = srv.URL
	return h
}

func (h *hookReceiver) snapshot() (byKey map[string]int, byDoc map[filing.DocID][]string, posts, badSig int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	byDoc = map[filing.DocID][]string{}
	for k, v := range h.byDoc {
		byDoc[k] = slices.Clone(v)
	}
	byKey = map[string]int{}
	for k, v := range h.byKey {
		byKey[k] = v
	}
	return byKey, byDoc, h.posts, h.badSig
}

func (h *hookReceiver) waitFor(t *testing.T, keys int, within time.Duration) {
	t.Helper()
	poll.UntilGot(t, within, fmt.Sprintf("%d distinct alerts delivered", keys), func() (bool, string) {
		h.mu.Lock()
		n := len(h.byKey)
		h.mu.Unlock()
		return n >= keys, fmt.Sprint(n)
	})
}

// natsServer is a nats-server process that can be killed and started again on the
// same port and store: alone (the chaos test, the benchmarks) or as a node of a cluster.
type natsServer struct {
	bin  string
	conf string
	url  string
	mu   sync.Mutex
	cmd  *exec.Cmd
	// exited is closed when cmd has exited.
	exited chan struct{}
}

// buildNATSServer builds nats-server from the module version we embed (Debian's 2.9
// ignores options we use).
func buildNATSServer(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "nats-server")
	build := exec.Command("go", "build", "-o", bin, "github.com/nats-io/nats-server/v2")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building nats-server: %v: %s", err, out)
	}
	return bin
}

// startNATSServer starts a single JetStream server storing under store.
func startNATSServer(t *testing.T, store string) *natsServer {
	t.Helper()
	s := newNATSServer(t, buildNATSServer(t), "chaos", freePorts(t, 1)[0], store, "")
	if err := s.start(); err != nil {
		t.Fatal(err)
	}
	return s
}

// newNATSServer configures a JetStream server from bin named name on port, storing under
// store, without starting it; cluster, when set, is the conf's cluster block.
func newNATSServer(t testing.TB, bin, name string, port int, store, cluster string) *natsServer {
	t.Helper()
	s := &natsServer{bin: bin, conf: filepath.Join(t.TempDir(), name+".conf"), url: fmt.Sprintf("nats://127.0.0.1:%d", port)}
	conf := fmt.Sprintf("server_name: %s\nlisten: 127.0.0.1:%d\nmax_payload: 64MB\njetstream { store_dir: %q }\n%s", name, port, store, cluster)
	if err := os.WriteFile(s.conf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.kill)
	return s
}

// start starts the server and waits until JetStream answers.
func (s *natsServer) start() error {
	if err := s.launch(); err != nil {
		return err
	}
	return s.ready(30 * time.Second)
}

// launch starts the process and waits until it listens. freePorts only found its ports
// free: another test's process can take one before the server binds it, and a node that
// exits at once would leave a cluster that never forms, noticed only by whatever waits
// on it a minute later. Here it is an error that names the cause.
func (s *natsServer) launch() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	log := &serverLog{ready: make(chan struct{})}
	cmd := exec.Command(s.bin, "-c", s.conf)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	select {
	case <-log.ready:
		s.cmd, s.exited = cmd, exited
		return nil
	case <-exited:
		return fmt.Errorf("nats-server %s exited before it listened: %s\n%s", s.url, cmd.ProcessState, log.tail())
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-exited
		return fmt.Errorf("nats-server %s did not listen within 30 s:\n%s", s.url, log.tail())
	}
}

// serverLog keeps the end of a nats-server's log and closes ready once the server says
// it listens for clients.
type serverLog struct {
	mu    sync.Mutex
	last  []byte
	ready chan struct{}
	said  bool
}

func (l *serverLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.last = append(l.last, p...)
	if !l.said && bytes.Contains(l.last, []byte("Server is ready")) {
		l.said = true
		close(l.ready)
	}
	if len(l.last) > 4096 {
		l.last = l.last[len(l.last)-4096:]
	}
	return len(p), nil
}

func (l *serverLog) tail() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.last)
}

// ready waits until JetStream answers through the server (in a cluster: the meta group
// has a leader).
func (s *natsServer) ready(within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		nc, err := nats.Connect(s.url, nats.Timeout(time.Second))
		if err == nil {
			var msg *nats.Msg
			if msg, err = nc.Request("$JS.API.INFO", nil, 2*time.Second); err == nil {
				var info struct {
					Error any `json:"error"`
				}
				if json.Unmarshal(msg.Data, &info) == nil && info.Error != nil {
					err = fmt.Errorf("jetstream not ready: %v", info.Error)
				}
			}
			nc.Close()
		}
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("nats-server at %s not ready after %v: %w", s.url, within, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// kill SIGKILLs the server; it is a no-op when it is not running.
func (s *natsServer) kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		s.cmd.Process.Signal(syscall.SIGKILL)
		<-s.exited
		s.cmd = nil
	}
}
