package web

import (
	"context"
	"strings"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/search"
)

// ocrIndex holds one document of three pages: a text-layer page, an OCR'd page, and a
// page of an index that predates page metadata (nothing known).
type ocrIndex struct{ hostileIndex }

func (ocrIndex) Document(ctx context.Context, id filing.DocID, withText bool) (*search.Record, error) {
	return &search.Record{Document: filing.Document{ID: id, Source: "folder"}, PageCount: 3, Pages: []filing.Page{
		{Number: 1, Text: "typed", Engine: "go"},
		{Number: 2, Text: "scanned", OCR: true, Confidence: 0.87, Engine: "tesseract"},
		{Number: 3, Text: "unknown"},
	}}, nil
}

// TestDocumentPageLabelsOCR: an OCR'd page says so with its confidence; a text-layer
// page says "text layer"; a page nothing is known about claims neither.
func TestDocumentPageLabelsOCR(t *testing.T) {
	js := bustest.Start(t)
	h := Handler(Deps{Searcher: ocrIndex{}, JS: js, Token: "tok"})
	body := get(t, h, "/doc/cand/3:20-cv-08570/736/0", signIn(t, h, "tok")).Body.String()
	pages := strings.Split(body, `<article id="page-`)
	if len(pages) != 4 {
		t.Fatalf("%d page articles; want 3:\n%s", len(pages)-1, body)
	}
	for i, c := range []struct{ want, not string }{
		{"text layer", "OCR"},
		{"OCR · confidence 87%", "text layer"},
		{"", "text layer"},
	} {
		p := pages[i+1]
		if c.want != "" && !strings.Contains(p, c.want) {
			t.Errorf("page %d lacks %q:\n%s", i+1, c.want, p)
		}
		if strings.Contains(p, c.not) {
			t.Errorf("page %d says %q:\n%s", i+1, c.not, p)
		}
	}
}
