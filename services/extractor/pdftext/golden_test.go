package pdftext

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/testfile"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the engine's current output")

// renderPages is the engine's complete output for a file as one text: every page's
// number, stamp, line-number flag and text. Golden files hold it, so that a change to
// any of them shows in a diff.
func renderPages(res []PageResult) []byte {
	var b bytes.Buffer
	for _, p := range res {
		fmt.Fprintf(&b, "=== page %d line-numbers=%v stamp=%q\n%s\n", p.Page.Number, p.LineNumbers, p.Page.Stamp, p.Page.Text)
	}
	return b.Bytes()
}

// TestGolden compares the engine's output on every testdata PDF with
// testdata/golden/<file>.txt (go test -run Golden -update rewrites them). Speed work on
// the engine must leave these byte for byte unchanged.
func TestGolden(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.pdf"))
	if len(files) == 0 {
		t.Fatal("no testdata PDFs")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			golden := filepath.Join("testdata", "golden", filepath.Base(f)+".txt")
			got := renderFile(t, f)
			if *update {
				writeGolden(t, golden, got)
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("reading golden file (go test -run Golden -update writes it): %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from %s at line %d:\n%s", golden, firstDiffLine(got, want), diffContext(got, want))
			}
		})
	}
}

// TestGoldenCorpus holds the engine's output on the shared corpus's PDFs and the bench
// merge to the SHA-256 sums in testdata/golden/corpus.sha256: the files are too large to
// keep as text here, and a sum still catches any change. DOCKETWATCH_DUMP_DIR=dir writes
// the outputs there to diff two versions by hand.
func TestGoldenCorpus(t *testing.T) {
	dir := corpusDir()
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("corpus not found at %s (set DOCKETWATCH_CORPUS): %v", dir, err)
	}
	var files []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(strings.ToLower(p), ".pdf") {
			files = append(files, p)
		}
		return nil
	})
	sort.Strings(files)
	sumsFile := filepath.Join("testdata", "golden", "corpus.sha256")
	want := map[string]string{}
	if data, err := os.ReadFile(sumsFile); err == nil {
		for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			if sum, name, ok := strings.Cut(l, "  "); ok {
				want[name] = sum
			}
		}
	} else if !*update {
		t.Fatalf("reading %s (go test -run GoldenCorpus -update writes it): %v", sumsFile, err)
	}
	var sums strings.Builder
	for _, f := range files {
		name, _ := filepath.Rel(dir, f)
		out := renderFile(t, f)
		if d := os.Getenv("DOCKETWATCH_DUMP_DIR"); d != "" {
			writeGolden(t, filepath.Join(d, strings.ReplaceAll(name, "/", "_")+".txt"), out)
		}
		h := sha256.Sum256(out)
		sum := hex.EncodeToString(h[:])
		fmt.Fprintf(&sums, "%s  %s\n", sum, name)
		if !*update && want[name] != sum {
			t.Errorf("%s: output sum %s; want %s", name, sum, want[name])
		}
	}
	if *update {
		writeGolden(t, sumsFile, []byte(sums.String()))
	}
}

// renderFile extracts a file and renders its output; an extraction error is part of
// the output, since which files fail must not change either.
func renderFile(t testing.TB, path string) []byte {
	t.Helper()
	data := testfile.Read(t, path)
	res, err := ExtractPages(context.Background(), data, Options{})
	out := renderPages(res)
	if err != nil {
		out = append(out, "=== error: "+err.Error()+"\n"...)
	}
	return out
}

func writeGolden(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func firstDiffLine(a, b []byte) int {
	la, lb := bytes.Split(a, []byte("\n")), bytes.Split(b, []byte("\n"))
	for i := range la {
		if i >= len(lb) || !bytes.Equal(la[i], lb[i]) {
			return i + 1
		}
	}
	return len(la) + 1
}

// diffContext shows the first differing line of got and want.
func diffContext(got, want []byte) string {
	n := firstDiffLine(got, want) - 1
	line := func(b []byte) string {
		ls := bytes.Split(b, []byte("\n"))
		if n < len(ls) {
			return string(ls[n])
		}
		return "(end of output)"
	}
	return fmt.Sprintf("got:  %q\nwant: %q", line(got), line(want))
}
