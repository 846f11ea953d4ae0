// Package localdir ingests PDFs from local files and folders: each file's bytes go to the
// blob store once, by SHA-256, and the file becomes a document on FILINGS.
package localdir

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/docketwatch/docketwatch/pkg/blob"
	"github.com/docketwatch/docketwatch/pkg/filing"
)

// Source is the name local documents carry in filing.Document.Source.
const Source = "localdir"

// Publisher is what the source needs to publish a document (fetcher.Publisher): the id
// it returns is the document's own, or that of the document with the same bytes from
// another route, which the file became part of.
type Publisher interface {
	PublishAs(ctx context.Context, doc filing.Document) (id filing.DocID, duplicate bool, err error)
}

// Outcome is what happened to one file.
type Outcome struct {
	Path      string
	ID        filing.DocID
	Duplicate bool
	Err       error
}

// Files expands paths into the files to ingest: a file given by name is taken whatever
// its name (a PDF saved without extension is still a filing; the extractor judges it),
// a folder contributes its *.pdf files, recursively, in a stable order. The other files
// of a folder are returned as skipped, so that the user hears of them.
func Files(paths []string) (files, skipped []string, err error) {
	var out []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, nil, err
		}
		if !info.IsDir() {
			out = append(out, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			switch {
			case !d.Type().IsRegular():
			case strings.EqualFold(filepath.Ext(path), ".pdf"):
				found = append(found, path)
			default:
				skipped = append(skipped, path)
			}
			return nil
		})
		if err != nil {
			return nil, nil, fmt.Errorf("listing %s: %w", p, err)
		}
		sort.Strings(found)
		out = append(out, found...)
	}
	return out, skipped, nil
}

// Known is what the user states about the files of an ingest (`docketwatch ingest --court
// ca9 --docket 20-16276 --case-name "…"`). The document carries it with origin
// filing.FromUser, so that nothing the extractor reads replaces it.
type Known struct {
	Court    string
	Docket   string
	CaseName string
}

func (k Known) apply(doc *filing.Document) {
	set := func(field, value string, dst *string) {
		if value = strings.TrimSpace(value); value == "" {
			return
		}
		*dst = value
		if doc.Origins == nil {
			doc.Origins = map[string]filing.Origin{}
		}
		doc.Origins[field] = filing.FromUser
	}
	set(filing.FieldCourt, strings.ToLower(k.Court), &doc.Docket.Court)
	set(filing.FieldDocket, strings.ToLower(k.Docket), &doc.Docket.Number)
	set(filing.FieldCaseName, k.CaseName, &doc.Docket.CaseName)
}

// Ingest stores one file's bytes and publishes it with what the user states about it.
// The DocID of a local file is its content hash: the same bytes under two names, or
// ingested twice, are one document. The extractor later reads the rest (court, case name,
// docket, entry, title and type) from the file name and the pages.
func Ingest(ctx context.Context, blobs blob.Store, pub Publisher, path string, known Known, now func() time.Time) Outcome {
	out := Outcome{Path: path}
	sum, size, err := hashFile(path)
	if err != nil {
		out.Err = err
		return out
	}
	f, err := os.Open(path)
	if err != nil {
		out.Err = err
		return out
	}
	defer f.Close()
	if err := blobs.Put(ctx, sum, f); err != nil {
		out.Err = err
		return out
	}
	doc := filing.Document{
		ID:     filing.SourceDocID("sha256", sum),
		Source: Source,
		// The file's name, not its path: documents are public to readers, and the
		// folders of the machine that ingested them are not theirs to see.
		SourceID:     filepath.Base(path),
		Blob:         &filing.BlobRef{SHA256: sum, Size: size, Name: filepath.Base(path)},
		DiscoveredAt: now().UTC(),
	}
	known.apply(&doc)
	out.ID, out.Duplicate, out.Err = pub.PublishAs(ctx, doc)
	return out
}

func hashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	sum, n, err := blob.Sum(io.Reader(f))
	if err != nil {
		return "", 0, fmt.Errorf("reading %s: %w", path, err)
	}
	return sum, n, nil
}
