package docmeta

import (
	"testing"

	"github.com/docketwatch/docketwatch/pkg/filing"
)

// BenchmarkRead reads a district caption: the cost the extractor pays per document once
// the courts table is warm.
func BenchmarkRead(b *testing.B) {
	page := filing.Page{Number: 1,
		Stamp: "Case 1:21-cv-01061-KLM Document 7-2 Filed 04/16/21 Page 1 of 16",
		Text: "IN THE UNITED STATES DISTRICT COURT\nFOR THE DISTRICT OF KANSAS\nCivil Action No. 2:20-cv-09999\nALPHA CORP.,\nPlaintiff,\nv.\nBETA LLC,\nDefendant.\n" +
			"MEMORANDUM IN OPPOSITION TO MOTION TO DISMISS\nThe court of appeals for this circuit held that the district court erred."}
	doc := filing.Document{Blob: &filing.BlobRef{Name: "upload.pdf"}}
	Read(doc, []filing.Page{page})
	b.ResetTimer()
	for b.Loop() {
		Read(doc, []filing.Page{page})
	}
}

// BenchmarkCourtsTable reads the courts table: what the first caption of every
// extracting process pays.
func BenchmarkCourtsTable(b *testing.B) {
	for b.Loop() {
		if t := readCourtsTable(); t.err != nil {
			b.Fatal(t.err)
		}
	}
}
