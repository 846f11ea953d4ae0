package localdir

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestFilesReportsSkipped: a folder contributes its PDFs (any case of .pdf, in
// subfolders too) and names every other file as skipped; a file named outright is taken
// whatever its name.
func TestFilesReportsSkipped(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"b.pdf", "A.PDF", "sub/c.pdf", "notes.txt", "sub/scan.tiff"} {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	named := filepath.Join(dir, "notes.txt")
	files, skipped, err := Files([]string{dir, named})
	if err != nil {
		t.Fatal(err)
	}
	in := func(names ...string) []string {
		var out []string
		for _, n := range names {
			out = append(out, filepath.Join(dir, n))
		}
		return out
	}
	if want := append(in("A.PDF", "b.pdf", "sub/c.pdf"), named); !slices.Equal(files, want) {
		t.Errorf("files %v; want %v", files, want)
	}
	if want := in("notes.txt", "sub/scan.tiff"); !slices.Equal(skipped, want) {
		t.Errorf("skipped %v; want %v", skipped, want)
	}
}
