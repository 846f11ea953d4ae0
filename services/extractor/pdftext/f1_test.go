package pdftext

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/docketwatch/docketwatch/pkg/testfile"
	"golang.org/x/text/unicode/norm"
)

// corpusDir finds the shared court corpus: $DOCKETWATCH_CORPUS, else ../shared/corpus
// beside the repository (where CI lays it).
func corpusDir() string {
	if d := os.Getenv("DOCKETWATCH_CORPUS"); d != "" {
		return d
	}
	d, _ := filepath.Abs(filepath.Join("..", "..", "..", "..", "shared", "corpus"))
	return d
}

// bornDigitalPDFs lists the testdata PDFs and the corpus PDFs that have a text layer
// (pdftotext finds at least 100 non-space characters per page), so scans are left out.
func bornDigitalPDFs(t testing.TB) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join("testdata", "*.pdf"))
	seen := map[string]bool{}
	for _, f := range files {
		seen[filepath.Base(f)] = true
	}
	_ = filepath.WalkDir(corpusDir(), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(strings.ToLower(p), ".pdf") || seen[filepath.Base(p)] {
			return nil
		}
		seen[filepath.Base(p)] = true
		files = append(files, p)
		return nil
	})
	var out []string
	for _, f := range files {
		ref, pages, err := pdftotext(f)
		if err != nil || pages == 0 {
			continue
		}
		nonSpace := 0
		for _, r := range ref {
			if !unicode.IsSpace(r) {
				nonSpace++
			}
		}
		if nonSpace >= 100*pages {
			out = append(out, f)
		}
	}
	sort.Strings(out)
	return out
}

// pdftotext runs `pdftotext -layout` and returns its text and page count (form feeds).
func pdftotext(path string) (string, int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "pdftotext", "-layout", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		return "", 0, err
	}
	return string(out), bytes.Count(out, []byte("\f")), nil
}

// words splits text into comparable words: NFKC, whitespace-separated, with leading and
// trailing punctuation trimmed (pdftotext and we may disagree on a stray quote's
// neighbour, not on the word).
func words(s string) map[string]int {
	m := map[string]int{}
	for _, w := range strings.Fields(norm.NFKC.String(s)) {
		w = strings.TrimFunc(w, func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSymbol(r) })
		if w != "" {
			m[w]++
		}
	}
	return m
}

// f1 is the word-level F1 of got against want, counting repeated words.
func f1(got, want map[string]int) (f, precision, recall float64) {
	var g, w, both int
	for k, n := range got {
		g += n
		both += min(n, want[k])
	}
	for _, n := range want {
		w += n
	}
	if g == 0 || w == 0 {
		if g == w {
			return 1, 1, 1
		}
		return 0, 0, 0
	}
	precision, recall = float64(both)/float64(g), float64(both)/float64(w)
	if both == 0 {
		return 0, precision, recall
	}
	return 2 * precision * recall / (precision + recall), precision, recall
}

// TestWordF1AgainstPdftotext compares our words (stamp included, since it is moved out of
// the text rather than lost) with pdftotext -layout's on every born-digital PDF. Words
// hyphenated at a line end are rejoined in the reference by the same rule as ours, since
// -layout leaves "Okla-" "homa" as two words.
// Pleading-paper line numbers are dropped from the reference when we report removing
// them, as they are margin furniture, not words of the filing.
func TestWordF1AgainstPdftotext(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext not installed (apt-get install poppler-utils): word F1 comparison skipped")
	}
	files := bornDigitalPDFs(t)
	if len(files) < 5 {
		t.Fatalf("found %d born-digital PDFs; want at least the testdata ones", len(files))
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data := testfile.Read(t, path)
			ref, _, err := pdftotext(path)
			if err != nil {
				t.Fatal(err)
			}
			res, err := ExtractPages(context.Background(), data, Options{})
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			refLines := strings.Split(ref, "\n")
			for i := range refLines {
				refLines[i] = strings.TrimSpace(refLines[i])
			}
			vocab := map[string]bool{}
			addVocabulary(vocab, refLines)
			ref = strings.Join(dehyphenate(refLines, vocab), "\n")
			var b strings.Builder
			refPages := strings.Split(ref, "\f")
			var want strings.Builder
			for i, p := range res {
				b.WriteString(p.Page.Stamp + "\n" + p.Page.Text + "\n")
				if i < len(refPages) {
					r := refPages[i]
					if p.LineNumbers {
						r = dropMarginNumbers(r)
					}
					want.WriteString(r + "\n")
				}
			}
			f, prec, rec := f1(words(b.String()), words(want.String()))
			t.Logf("F1 %.4f (precision %.4f, recall %.4f) over %d pages", f, prec, rec, len(res))
			if f < 0.97 {
				t.Errorf("word F1 %.4f; want ≥ 0.97", f)
			}
		})
	}
}

// dropMarginNumbers removes a leading small integer from each line of pdftotext -layout
// output, which is where pleading-paper line numbers land.
func dropMarginNumbers(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		f := strings.Fields(l)
		if len(f) > 0 && len(f[0]) <= 2 && strings.Trim(f[0], "0123456789") == "" {
			lines[i] = strings.Replace(l, f[0], "", 1)
		}
	}
	return strings.Join(lines, "\n")
}
