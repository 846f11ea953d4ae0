package localdir

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/blob"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/testpdf"
)

type published []filing.Document

func (p *published) Publish(_ context.Context, d filing.Document) (bool, error) {
	*p = append(*p, d)
	return false, nil
}

// TestIngestKeepsTheFoldersPrivate: the published document names its file, never the
// folders it was ingested from, which readers of the document must not learn.
func TestIngestKeepsTheFoldersPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "home", "clerk", "sealed-matters")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "motion.pdf")
	if err := os.WriteFile(path, testpdf.New("MOTION TO COMPEL"), 0o644); err != nil {
		t.Fatal(err)
	}
	blobs, err := blob.NewDisk(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var pub published
	out := Ingest(context.Background(), blobs, &pub, path, time.Now)
	if out.Err != nil || len(pub) != 1 {
		t.Fatalf("ingest: %v, %d published", out.Err, len(pub))
	}
	d := pub[0]
	if d.SourceID != "motion.pdf" || d.Blob == nil || d.Blob.Name != "motion.pdf" {
		t.Errorf("got source id %q, blob %+v; want the file name only", d.SourceID, d.Blob)
	}
	if strings.Contains(d.SourceID+d.URL, "clerk") {
		t.Errorf("the document shows the folders: %+v", d)
	}
}
