package pdftext

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/fault"
	"github.com/docketwatch/docketwatch/pkg/testfile"
)

// extractFile runs Extract on a testdata file with a deadline, failing the test on a hang.
func extractFile(t testing.TB, name string, opt Options) ([]pageResult, error) {
	t.Helper()
	data := testfile.Read(t, "testdata", name)
	return extractBytes(t, data, opt)
}

type pageResult struct {
	Number      int
	Text, Stamp string
}

func extractBytes(t testing.TB, data []byte, opt Options) ([]pageResult, error) {
	t.Helper()
	type out struct {
		pages []pageResult
		err   error
	}
	done := make(chan out, 1)
	go func() {
		pages, err := Extract(context.Background(), data, opt)
		var o out
		o.err = err
		for _, p := range pages {
			o.pages = append(o.pages, pageResult{p.Number, p.Text, p.Stamp})
		}
		done <- o
	}()
	select {
	case o := <-done:
		return o.pages, o.err
	case <-time.After(20 * time.Second):
		t.Fatalf("Extract did not return within 20s")
		return nil, nil
	}
}

func TestExtractRealFilings(t *testing.T) {
	tests := []struct {
		file      string
		pages     int
		contains  []string // on page 1
		stampPage int      // page number the stamp on page 1 says, 0 for no stamp expected
	}{
		{"rectangles_no.pdf", 1, []string{"IN THE UNITED STATES DISTRICT COURT\nFOR THE DISTRICT OF COLORADO", "Civil Action No. 1:21-cv-"}, 1},
		{"ca2_1-1.pdf", 2, []string{"Second Circuit"}, 0},
		{"ca1_00117684624.pdf", 17, []string{"First Circuit"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			pages, err := extractFile(t, tt.file, Options{})
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if len(pages) != tt.pages {
				t.Fatalf("got %d pages; want %d", len(pages), tt.pages)
			}
			for i, p := range pages {
				if p.Number != i+1 {
					t.Errorf("page %d numbered %d", i+1, p.Number)
				}
			}
			for _, s := range tt.contains {
				if !strings.Contains(pages[0].Text, s) {
					t.Errorf("page 1 lacks %q; got %.300q", s, pages[0].Text)
				}
			}
			if tt.stampPage > 0 && !strings.HasSuffix(pages[0].Stamp, fmt.Sprintf("Page %d of 16", tt.stampPage)) {
				t.Errorf("stamp %q; want it to end with the page count", pages[0].Stamp)
			}
			if tt.stampPage > 0 {
				if pages[0].Stamp == "" {
					t.Fatalf("page 1 has no stamp; text starts %.200q", pages[0].Text)
				}
				if strings.Contains(pages[0].Text, pages[0].Stamp) {
					t.Errorf("stamp %q left in text", pages[0].Stamp)
				}
			}
		})
	}
}

func TestExtractRejectsNonPDF(t *testing.T) {
	for name, data := range map[string][]byte{
		"empty": nil,
		"junk":  []byte(strings.Repeat("this is not a pdf at all\n", 40)),
		"html":  []byte("<html><body>%PDF-1.4 not really</body></html>"),
	} {
		t.Run(name, func(t *testing.T) {
			pages, err := extractBytes(t, data, Options{})
			if err == nil {
				t.Fatalf("got %d pages and no error; want a permanent error", len(pages))
			}
			if !fault.IsPermanent(err) {
				t.Errorf("got error kind %v (%v); want permanent", fault.KindOf(err), err)
			}
		})
	}
}

// TestPleadingLineNumbers checks that the margin line numbers of pleading paper are
// recognised and kept out of the text, while the body survives.
func TestPleadingLineNumbers(t *testing.T) {
	data := testfile.Read(t, "testdata", "gov.uscourts.azd.1085839.3.0.pdf")
	res, err := ExtractPages(context.Background(), data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !res[0].LineNumbers {
		t.Fatalf("page 1: line numbers not detected")
	}
	text := res[0].Page.Text
	if !strings.HasPrefix(text, "WO\n") {
		t.Errorf("page 1 starts %.40q; want \"WO\" without its line number", text)
	}
	for _, l := range strings.Split(text, "\n") {
		if f := strings.Fields(l); len(f) > 0 && len(f[0]) <= 2 && strings.Trim(f[0], "0123456789") == "" && len(f) == 1 {
			t.Errorf("line %q is a bare number", l)
		}
	}
	if !strings.Contains(text, "This multidistrict litigation proceeding") {
		t.Errorf("body text lost: %.300q", text)
	}
	// A page without pleading numbers must not lose its numbers.
	other, err := ExtractPages(context.Background(), testfile.Read(t, "testdata", "ca1_00117684624.pdf"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range other {
		if p.LineNumbers {
			t.Errorf("ca1 page %d: line numbers reported on an appellate opinion", p.Page.Number)
		}
	}
}

// TestTrailerSizeBelowTable reads a file whose trailer /Size is smaller than its xref
// table, as pdfunite writes merged files: the catalog lies beyond /Size.
func TestTrailerSizeBelowTable(t *testing.T) {
	f := &pdfFile{}
	data := fontPage(f, helvetica(f),
		"BT /F1 12 Tf 72 700 Td (Merged exhibit) Tj ET")
	good := fmt.Sprintf("/Size %d ", len(f.objs)+1)
	if !strings.Contains(string(data), good) {
		t.Fatalf("built file lacks %q", good)
	}
	data = []byte(strings.Replace(string(data), good, "/Size 2 ", 1))
	pages, err := extractBytes(t, data, Options{})
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	if len(pages) != 1 || pages[0].Text != "Merged exhibit" {
		t.Errorf("got %+v; want one page reading \"Merged exhibit\"", pages)
	}
}
