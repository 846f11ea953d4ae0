package poppler

import (
	"context"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/fault"
	"github.com/docketwatch/docketwatch/pkg/testfile"
	"github.com/docketwatch/docketwatch/pkg/testpdf"
	"github.com/docketwatch/docketwatch/pkg/testtool"
	"github.com/docketwatch/docketwatch/services/extractor/poppler/proc"
)

func TestText(t *testing.T) {
	testtool.Need(t, Available)
	ctx := context.Background()
	d, err := Open(testfile.Read(t, "testdata", "ca2_1-1.pdf"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	info, err := d.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Pages != 2 || len(info.Sizes) != 2 || info.Sizes[0].Width < 500 || info.Sizes[0].Height < 700 {
		t.Fatalf("got info %+v; want 2 letter-sized pages", info)
	}
	pages, err := d.Text(ctx, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != info.Pages {
		t.Fatalf("got %d pages; want %d", len(pages), info.Pages)
	}
	for i, p := range pages {
		if p.Number != i+1 {
			t.Errorf("page %d numbered %d", i+1, p.Number)
		}
		if len(strings.Fields(p.Text)) < 20 {
			t.Errorf("page %d: got %q; want the page's text", p.Number, p.Text)
		}
	}
	// The docket number survives intact: -layout never joins a hyphen at a line end.
	if !strings.Contains(pages[0].Text, "17-3510") {
		t.Errorf("page 1 lacks the docket number 17-3510:\n%s", pages[0].Text)
	}
	one, err := d.Text(ctx, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(one) != 1 || one[0].Number != 2 || one[0].Text != pages[1].Text {
		t.Fatalf("page 2 alone: got %+v; want the same text as page 2 of the whole run", one)
	}
}

func TestImages(t *testing.T) {
	testtool.Need(t, Available)
	d := OpenFile("testdata/ca3_003112692106.pdf", Options{})
	defer d.Close()
	images, err := d.Images(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	pages := map[int]int{}
	for _, im := range images {
		if im.Width <= 0 || im.Height <= 0 || im.Area() <= 0 {
			t.Errorf("image %+v: want a size and a drawn area", im)
		}
		pages[im.Page]++
	}
	if pages[1] != 1 || pages[2] != 1 {
		t.Fatalf("got images per page %v; want one on page 1 and one on page 2", pages)
	}
	if _, err := os.Stat("testdata/ca3_003112692106.pdf"); err != nil {
		t.Fatalf("Close removed a file OpenFile did not create: %v", err)
	}
}

func TestRender(t *testing.T) {
	testtool.Need(t, Available)
	d := OpenFile("testdata/ca2_1-1.pdf", Options{})
	img, err := d.Render(context.Background(), 1, 50)
	if err != nil {
		t.Fatal(err)
	}
	// 8.5 × 11 inches at 50 dpi: a 425 × 550 grey PGM.
	if !regexp.MustCompile(`^P5\s+42[56]\s+55[01]\s+255\s`).Match(img[:20]) {
		t.Fatalf("got header %q; want a 425×550 8-bit PGM", img[:20])
	}
}

// TestDamaged reads files the Go engine's library cannot: a cross-reference table whose
// offset points nowhere, and a body cut short. Poppler rebuilds the table by scanning.
func TestDamaged(t *testing.T) {
	testtool.Need(t, Available)
	orig := testfile.Read(t, "testdata", "ca2_1-1.pdf")
	badXref := testpdf.DamagedXref(t, orig)
	for name, data := range map[string][]byte{"bad xref offset": badXref} {
		t.Run(name, func(t *testing.T) {
			pages, err := Extract(context.Background(), data, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(pages) != 2 || !strings.Contains(pages[0].Text, "17-3510") {
				t.Fatalf("got %d pages; want both, with the text", len(pages))
			}
		})
	}
}

func TestErrors(t *testing.T) {
	testtool.Need(t, Available)
	data := testfile.Read(t, "testdata", "ca2_1-1.pdf")
	tests := []struct {
		name    string
		data    []byte
		opt     Options
		wantErr error
	}{
		{name: "not a pdf", data: []byte("<html>not a pdf</html>")},
		{name: "empty", data: nil},
		{name: "timeout", data: data, opt: Options{Timeout: time.Nanosecond}, wantErr: proc.ErrTimeout},
		{name: "output bound", data: data, opt: Options{MaxOutput: 100}, wantErr: proc.ErrOutputTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Extract(context.Background(), tt.data, tt.opt)
			if err == nil {
				t.Fatal("got no error")
			}
			if !fault.IsPermanent(err) {
				t.Errorf("got %v (%v); want a permanent error: the same file fails the same way", err, fault.KindOf(err))
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("got %v; want %v", err, tt.wantErr)
			}
		})
	}
}

func TestNotInstalled(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	if err := Available(); !errors.Is(err, ErrNotInstalled) {
		t.Fatalf("Available: got %v; want ErrNotInstalled", err)
	}
	_, err := Extract(context.Background(), []byte("%PDF-1.4\n"), Options{})
	if !errors.Is(err, ErrNotInstalled) || fault.IsPermanent(err) {
		t.Fatalf("Extract: got %v; want ErrNotInstalled, not permanent (installing the tool fixes it)", err)
	}
}

func TestCloseRemovesTempFile(t *testing.T) {
	d, err := Open([]byte("%PDF-1.4\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(d.Path()); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("temp file still there after Close: %v", err)
	}
	if err := d.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}
