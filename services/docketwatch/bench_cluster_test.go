package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
	"github.com/docketwatch/docketwatch/services/docketwatch/ingest"
	"github.com/docketwatch/docketwatch/services/fetcher/localdir"
)

// mergedEnv, set to 1, adds the corpus's 464-page bench/merged-text-filings.pdf to the
// folder BenchmarkExtractors ingests: one long document that only one extractor can
// work on, against many short ones that spread.
const mergedEnv = "DOCKETWATCH_BENCH_MERGED"

// extractorLayout is how the extraction stage runs in one round of BenchmarkExtractors.
type extractorLayout struct {
	name string
	// procs extractor processes, each extracting concurrency PDFs at once in as many
	// children (0: the default, one per CPU).
	procs, concurrency int
}

// BenchmarkExtractors measures distributed ingest throughput with one and with two
// extractor processes sharing the durable consumer: a nats-server built from the module
// version we embed (one node: this measures the extraction stage, not replication), one
// indexer process, the extractor processes, and `docketwatch ingest --nats` of the same
// PDFs into a fresh server each round (its time from start to the last document indexed
// is what is measured; starting the processes is not). The layouts run in turn within
// each iteration, so that a change in the shared machine's load hits all of them:
//
//	1x2  one `docketwatch extractor`, default concurrency (one child per CPU)
//	2x2  two of them: twice the children, and twice the consumers
//	1x4  one `docketwatch extractor --extract-concurrency 4`: as
//	     many children as 2x2 in one process, to tell processes from children
//
// It reports docs/s and pages/s of each, x2-vs-1 (2x2 over 1x2) and x2-vs-1c4 (2x2 over
// 1x4), and the share of the machine's CPU time that was busy during each ingest
// (machine-busy-%, everyone's: near 100 means the cores, not the number of processes,
// bound the rate), how many cores docketwatch's own processes kept busy (cores-) and
// their CPU seconds per document (cpu-s/doc-: what a layout costs, whatever the load).
//
// The PDFs: DOCKETWATCH_BENCH_DIR (default ../shared/corpus); when that folder holds the
// corpus's MANIFEST.md, only the born-digital PDFs it lists (scanned ones would measure
// OCR), plus bench/merged-text-filings.pdf with DOCKETWATCH_BENCH_MERGED=1.
//
//	scripts/bench extractors
func BenchmarkExtractors(b *testing.B) {
	if testing.Short() {
		b.Skip("starts a nats-server and several processes")
	}
	files := benchPDFs(b)
	b.Logf("%d PDFs; load average %s", len(files), loadAvg())
	natsBin := buildNATSServer(b)
	layouts := []extractorLayout{{"1x2", 1, 0}, {"2x2", 2, 0}, {"1x4", 1, 4}}
	type tally struct {
		docs, pages int
		took, cpu   time.Duration
		busy, all   uint64
	}
	tallies := make([]tally, len(layouts))
	round := 0
	for b.Loop() {
		for k := range layouts {
			i := (round + k) % len(layouts) // each layout first in turn
			r := benchIngestRound(b, natsBin, layouts[i], files)
			t := &tallies[i]
			t.docs += r.docs
			t.pages += r.pages
			t.took += r.took
			t.cpu += r.cpu
			t.busy += r.cpuBusy
			t.all += r.cpuAll
			if testing.Verbose() {
				b.Logf("round %d %s: %d docs, %d pages in %v; docketwatch used %.2f cores, the machine was %.0f%% busy", round+1, layouts[i].name,
					r.docs, r.pages, r.took.Round(time.Millisecond), r.cpu.Seconds()/r.took.Seconds(), 100*float64(r.cpuBusy)/float64(max(r.cpuAll, 1)))
			}
		}
		round++
	}
	docsPerSec := make([]float64, len(layouts))
	b.Logf("%-6s %6s %8s %8s %8s %10s %8s", "layout", "rounds", "docs/s", "pages/s", "cores", "CPU s/doc", "machine")
	for i, t := range tallies {
		if t.docs == 0 {
			b.Fatalf("%s: nothing indexed", layouts[i].name)
		}
		docsPerSec[i] = float64(t.docs) / t.took.Seconds()
		b.Logf("%-6s %6d %8.2f %8.1f %8.2f %10.3f %7.0f%%", layouts[i].name, round, docsPerSec[i], float64(t.pages)/t.took.Seconds(),
			t.cpu.Seconds()/t.took.Seconds(), t.cpu.Seconds()/float64(t.docs), 100*float64(t.busy)/float64(max(t.all, 1)))
		b.ReportMetric(docsPerSec[i], "docs/s-"+layouts[i].name)
		b.ReportMetric(float64(t.pages)/t.took.Seconds(), "pages/s-"+layouts[i].name)
		b.ReportMetric(t.cpu.Seconds()/t.took.Seconds(), "cores-"+layouts[i].name)
		b.ReportMetric(t.cpu.Seconds()/float64(t.docs), "cpu-s/doc-"+layouts[i].name)
		b.ReportMetric(100*float64(t.busy)/float64(max(t.all, 1)), "machine-busy-%-"+layouts[i].name)
	}
	b.ReportMetric(docsPerSec[1]/docsPerSec[0], "x2-vs-1")
	b.ReportMetric(docsPerSec[1]/docsPerSec[2], "x2-vs-1c4")
	b.Logf("load average at the end %s", loadAvg())
}

// roundResult is what one round of BenchmarkExtractors measured.
type roundResult struct {
	docs, pages int
	took        time.Duration
	// cpu is the CPU time docketwatch's processes (the ingest, the roles and their
	// extraction children, nats-server) used during the ingest.
	cpu time.Duration
	// cpuBusy and cpuAll are the machine's busy and total CPU ticks during the ingest.
	cpuBusy, cpuAll uint64
}

// benchIngestRound starts a fresh nats-server, an indexer and the layout's extractors,
// times one `docketwatch ingest --nats` of files, and stops them all again.
func benchIngestRound(b *testing.B, natsBin string, layout extractorLayout, files []string) roundResult {
	b.Helper()
	// Only the ingest is timed: b's ns/op is the time of an iteration's ingests.
	b.StopTimer()
	defer b.StartTimer()
	srv := benchNATSServer(b, natsBin)
	defer srv.kill()
	var procs []*benchProc
	defer func() {
		for _, p := range procs {
			p.stop()
		}
	}()
	common := []string{"--nats", srv.url, "--http", ""}
	procs = append(procs, startBenchProc(b, "indexer", "indexer", append(common, "--data", b.TempDir())...))
	for i := range layout.procs {
		args := append(common, "--data", b.TempDir(), "--extract-concurrency", strconv.Itoa(layout.concurrency))
		procs = append(procs, startBenchProc(b, fmt.Sprintf("extractor-%d", i+1), "extractor", args...))
	}
	_, js := bustest.Dial(b, srv.url, "bench-watch")
	bustest.WaitConsumer(b, js, 30*time.Second, bus.Filings, "extractor") // the extractors are pulling

	args := append([]string{"ingest", "--json", "--nats", srv.url}, files...)
	cmd := docketwatch(b, args...)
	var stderr childLog
	cmd.Stderr = &stderr
	busy0, all0 := cpuTicks()
	ours0 := treeCPU(os.Getpid())
	b.StartTimer()
	start := time.Now()
	out, err := cmd.Output()
	took := time.Since(start)
	b.StopTimer()
	ours1 := treeCPU(os.Getpid())
	busy1, all1 := cpuTicks()
	if err != nil {
		b.Fatalf("ingest (%s): %v: %s", layout.name, err, stderr.all())
	}
	// The processes of this round still run; the ingest has exited and is counted apart.
	ours := ours1 - ours0 + cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	var sum ingest.Summary
	if err := json.Unmarshal(out, &sum); err != nil {
		b.Fatalf("ingest (%s) printed %q: %v", layout.name, out, err)
	}
	r := roundResult{took: took, cpu: ours, cpuBusy: busy1 - busy0, cpuAll: all1 - all0}
	for _, f := range sum.Files {
		if f.Status == ingest.Indexed {
			r.docs++
			r.pages += f.Pages
		}
	}
	if r.docs != len(files) {
		b.Fatalf("ingest (%s): %v of %d files; want all indexed (fresh server each round)", layout.name, sum.Count, len(files))
	}
	return r
}

// benchPDFs lists the PDFs to ingest.
func benchPDFs(b *testing.B) []string {
	dir := os.Getenv("DOCKETWATCH_BENCH_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "corpus")
	}
	manifest, err := os.ReadFile(filepath.Join(dir, "MANIFEST.md"))
	if os.IsNotExist(err) {
		files, _, err := localdir.Files([]string{dir})
		if err != nil || len(files) == 0 {
			b.Skipf("no PDFs under %s (set DOCKETWATCH_BENCH_DIR): %v", dir, err)
		}
		return files
	}
	if err != nil {
		b.Fatal(err)
	}
	files := bornDigital(string(manifest))
	for i, f := range files {
		files[i] = filepath.Join(dir, f)
	}
	if os.Getenv(mergedEnv) == "1" {
		files = append(files, filepath.Join(dir, "bench", "merged-text-filings.pdf"))
	}
	if len(files) == 0 {
		b.Skipf("%s lists no born-digital PDF", filepath.Join(dir, "MANIFEST.md"))
	}
	return files
}

// manifestPDF matches a manifest row of a PDF: its path, then, in the "what" column,
// pdftotext's count of non-space characters, then the page count.
var manifestPDF = regexp.MustCompile("(?m)^\\| `([^`]+\\.pdf)` \\|.*non-space chars=(\\d+)[^|]*\\| (\\d+) \\|")

// bornDigital returns the PDFs of the corpus manifest that have a text layer worth the
// name (at least 200 non-space characters a page): the others are scans, whose OCR
// would be what a benchmark of them measures.
func bornDigital(manifest string) []string {
	var files []string
	for _, m := range manifestPDF.FindAllStringSubmatch(manifest, -1) {
		chars, _ := strconv.Atoi(m[2])
		n, _ := strconv.Atoi(m[3])
		if n > 0 && chars >= 200*n {
			files = append(files, m[1])
		}
	}
	return files
}

// benchNATSServer starts a fresh single-node JetStream nats-server from bin.
func benchNATSServer(b *testing.B, bin string) *natsServer {
	b.Helper()
	s := newNATSServer(b, bin, "bench", freePorts(b, 1)[0], b.TempDir(), "")
	if err := s.start(); err != nil {
		b.Fatal(err)
	}
	return s
}

// benchProc is a docketwatch role process of a benchmark round.
type benchProc struct {
	name string
	cmd  *exec.Cmd
	logs *childLog
	done chan struct{}
}

// startBenchProc starts `docketwatch role args…` and waits until it says it runs: a
// role prints a line on its standard output.
func startBenchProc(b *testing.B, name, role string, args ...string) *benchProc {
	b.Helper()
	p := &benchProc{name: name, cmd: docketwatch(b, append([]string{role}, args...)...), logs: &childLog{}, done: make(chan struct{})}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		b.Fatal(err)
	}
	ready := make(chan struct{}, 1)
	watch := func(r io.Reader, signal bool) {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			p.logs.Write(append(sc.Bytes(), '\n'))
			if signal {
				signal = false
				ready <- struct{}{}
			}
		}
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); watch(stdout, true) }()
	go func() { defer wg.Done(); watch(stderr, false) }()
	go func() { wg.Wait(); p.cmd.Wait(); close(p.done) }()
	select {
	case <-ready:
		return p
	case <-p.done:
		b.Fatalf("%s exited on start: %s: %s", name, p.cmd.ProcessState, p.logs.all())
	case <-time.After(60 * time.Second):
		p.stop()
		b.Fatalf("%s did not start within 60s: %s", name, p.logs.all())
	}
	return nil
}

// stop kills the process and waits for it; its extraction children die with their stdin.
func (p *benchProc) stop() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// cpuTicks reads the machine's busy and total CPU ticks from /proc/stat (0, 0 where
// there is none).
func cpuTicks() (busy, all uint64) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(data), "\n")
	fields := strings.Fields(line)
	if len(fields) < 5 || fields[0] != "cpu" {
		return 0, 0
	}
	for i, f := range fields[1:] {
		v, _ := strconv.ParseUint(f, 10, 64)
		all += v
		if i != 3 && i != 4 { // idle and iowait
			busy += v
		}
	}
	return busy, all
}

// loadAvg is the machine's 1-, 5- and 15-minute load averages: it is shared, and a
// figure means little without them.
func loadAvg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(data))
	return strings.Join(f[:min(3, len(f))], " ")
}

// clockTick is USER_HZ, the unit of /proc's CPU times: 100 on every Linux we run on.
const clockTick = 100

// treeCPU is the CPU time used so far by the running descendants of pid and the
// processes they reaped, from /proc.
func treeCPU(pid int) time.Duration {
	var ticks int
	for _, p := range descendants(pid) {
		ticks += p.ticks
	}
	return time.Duration(ticks) * time.Second / clockTick
}

// proc is what /proc/PID/stat says of a process.
type proc struct {
	ppid int
	// ticks is its utime and stime, and cutime and cstime: the children it has reaped
	// (the tesseract an extraction child runs for a page is gone before a round ends).
	ticks int
	rss   int64 // resident bytes
}

// descendants reads every process under pid from /proc.
func descendants(pid int) []proc {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	procs := map[int]proc{}
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue // exited meanwhile
		}
		// The command name, in parentheses, may hold spaces: fields count from its end.
		i := strings.LastIndexByte(string(data), ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(data[i+1:]))
		if len(f) < 22 {
			continue
		}
		var st proc
		st.ppid, _ = strconv.Atoi(f[1])
		for _, v := range f[11:15] {
			n, _ := strconv.Atoi(v)
			st.ticks += n
		}
		pages, _ := strconv.ParseInt(f[21], 10, 64)
		st.rss = pages * int64(os.Getpagesize())
		procs[p] = st
	}
	var out []proc
	for p, st := range procs {
		for q := st.ppid; q > 1 && p != pid; q = procs[q].ppid {
			if q == pid {
				out = append(out, st)
				break
			}
			if _, ok := procs[q]; !ok {
				break
			}
		}
	}
	return out
}
