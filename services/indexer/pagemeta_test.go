package indexer

import (
	"context"
	"testing"
	"time"
)

// TestDocumentKeepsOCR: a document's OCR'd pages come back from the index as OCR with
// their confidence (the document page labels them so), its text-layer pages with their
// engine, and the stamp of each.
func TestDocumentKeepsOCR(t *testing.T) {
	x := openTemp(t)
	tx := textOf("cand/3:20-cv-08570/736/12", 1, "Typed order of the court.", "A scanned exhibit page.", "")
	tx.Pages[0].Engine, tx.Pages[0].Stamp = "go", "Case 3:20-cv-08570 Document 736 Filed 04/15/24 Page 1 of 3"
	tx.Pages[1].OCR, tx.Pages[1].Confidence, tx.Pages[1].Engine = true, 0.87, "tesseract"
	if err := x.write([]entry{{text: tx}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	rec, err := x.Document(context.Background(), tx.Document.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Pages) != 3 {
		t.Fatalf("%d pages; want 3", len(rec.Pages))
	}
	for i, want := range tx.Pages {
		got := rec.Pages[i]
		got.Text, want.Text = "", ""
		if got != want {
			t.Errorf("page %d: %+v; want %+v", i+1, got, want)
		}
	}
	rec, err = x.Document(context.Background(), tx.Document.ID, false)
	if err != nil || len(rec.Pages) != 0 {
		t.Errorf("without text: %v, %d pages; want none", err, len(rec.Pages))
	}
}
