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

type recordingPublisher struct{ docs []filing.Document }

func (p *recordingPublisher) PublishAs(_ context.Context, doc filing.Document) (filing.DocID, bool, error) {
	p.docs = append(p.docs, doc)
	return doc.ID, false, nil
}

// What the user states travels on the document with origin "user"; what the user leaves
// out carries no origin, for the extractor to read.
func TestIngestCarriesKnown(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "order.pdf")
	if err := os.WriteFile(path, []byte("%PDF-1.4\n%%EOF\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	blobs, err := blob.NewDisk(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		known  Known
		want   filing.Docket
		origin map[string]filing.Origin
	}{
		{"nothing stated", Known{}, filing.Docket{}, nil},
		{"all stated", Known{Court: "CA9", Docket: " 20-16276 ", CaseName: "Zeta v. Eta"},
			filing.Docket{Court: "ca9", Number: "20-16276", CaseName: "Zeta v. Eta"},
			map[string]filing.Origin{filing.FieldCourt: filing.FromUser, filing.FieldDocket: filing.FromUser, filing.FieldCaseName: filing.FromUser}},
		{"court only", Known{Court: "nysb"}, filing.Docket{Court: "nysb"}, map[string]filing.Origin{filing.FieldCourt: filing.FromUser}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var pub recordingPublisher
			out := Ingest(context.Background(), blobs, &pub, path, tt.known, time.Now)
			if out.Err != nil || len(pub.docs) != 1 {
				t.Fatalf("Ingest: %v, %d published", out.Err, len(pub.docs))
			}
			doc := pub.docs[0]
			if doc.Docket.Court != tt.want.Court || doc.Docket.Number != tt.want.Number || doc.Docket.CaseName != tt.want.CaseName {
				t.Errorf("docket = %+v; want %+v", doc.Docket, tt.want)
			}
			if len(doc.Origins) != len(tt.origin) {
				t.Errorf("origins = %v; want %v", doc.Origins, tt.origin)
			}
			for k, v := range tt.origin {
				if doc.Origins[k] != v {
					t.Errorf("origin of %s = %q; want %q", k, doc.Origins[k], v)
				}
			}
		})
	}
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
	var pub recordingPublisher
	out := Ingest(context.Background(), blobs, &pub, path, Known{}, time.Now)
	if out.Err != nil || len(pub.docs) != 1 {
		t.Fatalf("ingest: %v, %d published", out.Err, len(pub.docs))
	}
	d := pub.docs[0]
	if d.SourceID != "motion.pdf" || d.Blob == nil || d.Blob.Name != "motion.pdf" {
		t.Errorf("got source id %q, blob %+v; want the file name only", d.SourceID, d.Blob)
	}
	if strings.Contains(d.SourceID+d.URL, "clerk") {
		t.Errorf("the document shows the folders: %+v", d)
	}
}
