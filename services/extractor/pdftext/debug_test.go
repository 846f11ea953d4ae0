package pdftext

import (
	"context"
	"fmt"
	"os"
	"sort"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/testfile"
)

// TestDebugDump prints a file's pages and the words that differ from pdftotext. It runs
// only with DOCKETWATCH_DUMP=path, as a tool for tuning the layout thresholds.
func TestDebugDump(t *testing.T) {
	path := os.Getenv("DOCKETWATCH_DUMP")
	if path == "" {
		t.Skip("set DOCKETWATCH_DUMP=file.pdf to dump a file")
	}
	data := testfile.Read(t, path)
	res, err := ExtractPages(context.Background(), data, Options{})
	if err != nil {
		t.Logf("error: %v", err)
	}
	var all string
	for _, p := range res {
		fmt.Printf("=== page %d stamp=%q lineNumbers=%v\n%s\n", p.Page.Number, p.Page.Stamp, p.LineNumbers, p.Page.Text)
		all += p.Page.Stamp + "\n" + p.Page.Text + "\n"
	}
	ref, _, err := pdftotext(path)
	if err != nil {
		return
	}
	got, want := words(all), words(ref)
	var extra, missing []string
	for w, n := range got {
		if d := n - want[w]; d > 0 {
			extra = append(extra, fmt.Sprintf("%s×%d", w, d))
		}
	}
	for w, n := range want {
		if d := n - got[w]; d > 0 {
			missing = append(missing, fmt.Sprintf("%s×%d", w, d))
		}
	}
	sort.Strings(extra)
	sort.Strings(missing)
	fmt.Printf("=== extra (ours only): %v\n=== missing (pdftotext only): %v\n", extra, missing)
}
