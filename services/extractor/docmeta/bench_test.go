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
// extracting process pays. It reports the literal filter's automaton's size.
func BenchmarkCourtsTable(b *testing.B) {
	var t *courtTable
	for b.Loop() {
		if t = readCourtsTable(); t.err != nil {
			b.Fatal(t.err)
		}
	}
	b.ReportMetric(float64(t.filter.literals.Size()), "automaton-B")
}

// courtLineSamples are lines FindCourt is given while reading the captions of
// pdftext/testdata/golden and indexer/testdata/corpus (captionCourt joins a court word's
// line with up to two after it, then tries fewer), courts and not.
var courtLineSamples = []string{
	"IN THE UNITED STATES DISTRICT COURT FOR THE DISTRICT OF ARIZONA IN RE: Bard IVC Filters Products No. MDL 15-02641-PHX-DGC",
	"IN THE UNITED STATES DISTRICT COURT FOR THE DISTRICT OF ARIZONA",
	"IN THE UNITED STATES DISTRICT COURT FOR THE DISTRICT OF COLORADO Civil Action No. 1:21-cv-______________",
	"United States Court of Appeals For the First Circuit No. 20-1507",
	"United States Court of Appeals for the Second Circuit Thurgood Marshall U.S. Courthouse 40 Foley Square",
	"UNITED STATES COURT OF APPEALS FOR THE SIXTH CIRCUIT 100 EAST FIFTH STREET, ROOM 540",
	"UNITED STATES COURT OF APPEALS FOR THE FEDERAL CIRCUIT Reliable Contracting Group DVA",
	"SUPREME COURT OF THE UNITED STATES Syllabus TARRANT REGIONAL WATER DISTRICT v.",
	"IN THE SUPREME COURT OF NORTH CAROLINA 2022-NCSC-1 No. 363A14-4",
	"APPEAL FROM THE UNITED STATES DISTRICT COURT FOR THE DISTRICT OF MAINE",
	"ROBERT A. KATZMANN CATHERINE O'HAGAN WOLFE CHIEF JUDGE CLERK OF COURT",
	"The syllabus constitutes no part of the opinion of the Court but has been",
}

// BenchmarkFindCourt names the courts of courtLineSamples, once the courts table is warm.
func BenchmarkFindCourt(b *testing.B) {
	FindCourt(courtLineSamples[0])
	for b.Loop() {
		for _, l := range courtLineSamples {
			FindCourt(l)
		}
	}
}
