package docmeta

import (
	"strings"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/filing"
)

func TestTitle(t *testing.T) {
	long := strings.Repeat("MEMORANDUM IN SUPPORT OF THE MOTION ", 5)
	tests := []struct {
		name string
		doc  filing.Document
		want string
	}{
		{"appellate entry", filing.Document{
			Docket: filing.Docket{Court: "ca9", Number: "20-16276", CaseName: "Zepeda Rivas v. Jennings"},
			Entry:  filing.Entry{Number: 19}, Type: filing.TypeOrder,
		}, "Zepeda Rivas v. Jennings · 20-16276 (9th Cir.) · DktEntry 19 · Order"},
		{"district attachment", filing.Document{
			Docket: filing.Docket{Court: "cand", Number: "3:20-cv-08570", CaseName: "Klein v. Meta Platforms, Inc."},
			Entry:  filing.Entry{Number: 736}, Attachment: 12, Type: filing.TypeDeclaration,
		}, "Klein v. Meta Platforms, Inc. · 3:20-cv-08570 (N.D. Cal.) · ECF No. 736-12 · Declaration"},
		{"exhibit label wins over type", filing.Document{
			Docket: filing.Docket{Court: "cand", Number: "3:20-cv-08570"}, Entry: filing.Entry{Number: 736}, Attachment: 3,
			Exhibit: true, ExhibitLabel: "Exhibit B", Type: filing.TypeExhibit,
		}, "3:20-cv-08570 (N.D. Cal.) · ECF No. 736-3 · Exhibit B"},
		{"unknown court keeps its id", filing.Document{Docket: filing.Docket{Court: "zzcourt", Number: "1:99-cv-1"}},
			"1:99-cv-1 (zzcourt)"},
		{"court without docket", filing.Document{Docket: filing.Docket{Court: "nysb"}, Type: filing.TypeMotion},
			"Bankr. S.D.N.Y. · Motion"},
		{"other type shows the verbatim title", filing.Document{
			Docket: filing.Docket{CaseName: "In re Acme"}, Title: "CERTIFICATE   OF SERVICE", Type: filing.TypeOther,
		}, "In re Acme · CERTIFICATE OF SERVICE"},
		{"only a title", filing.Document{ID: "sha256:ab", Title: "ORDER TO SHOW CAUSE", Blob: &filing.BlobRef{Name: "x.pdf"}},
			"ORDER TO SHOW CAUSE"},
		{"only a file name", filing.Document{ID: "sha256:ab", Blob: &filing.BlobRef{Name: "scan 7.pdf"}}, "scan 7.pdf"},
		{"file name and type", filing.Document{ID: "sha256:ab", Blob: &filing.BlobRef{Name: "scan 7.pdf"}, Type: filing.TypeOrder},
			"scan 7.pdf · Order"},
		{"a title that is the kind", filing.Document{ID: "sha256:ab", Title: "EXHIBIT  4", Exhibit: true, ExhibitLabel: "Exhibit 4",
			Blob: &filing.BlobRef{Name: "ex.pdf"}}, "ex.pdf · Exhibit 4"},
		{"source id", filing.Document{ID: "cl:1", SourceID: "4711"}, "4711"},
		{"nothing but the id", filing.Document{ID: "sha256:ab"}, "sha256:ab"},
		{"a long title is cut at a word", filing.Document{Docket: filing.Docket{CaseName: "A v. B"}, Title: long},
			"A v. B · " + shorten(long)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Title(tt.doc); got != tt.want {
				t.Errorf("got %q; want %q", got, tt.want)
			}
		})
	}
	if s := shorten(long); !strings.HasSuffix(s, "…") || len([]rune(s)) > maxTitleRunes+1 || strings.HasSuffix(s, " …") {
		t.Errorf("shorten: got %q", s)
	}
}

func TestCourtName(t *testing.T) {
	for id, want := range map[string]string{
		"ca9": "Court of Appeals for the Ninth Circuit", "CACD": "United States District Court for the Central District of California",
		"nocourt": "nocourt", "": "",
	} {
		if got := CourtName(id); got != want {
			t.Errorf("CourtName(%q): got %q; want %q", id, got, want)
		}
	}
}

// A filing not read yet (parked before extraction) is named from its source's
// description and its RECAP file name.
func TestTitleOfAnUnreadDocument(t *testing.T) {
	d := filing.Document{ID: "sha256:ab", Blob: &filing.BlobRef{Name: "gov.uscourts.cand.364454.736.12.pdf"},
		Entry: filing.Entry{Description: "ORDER granting motion"}}
	got := Title(d)
	// A RECAP name holds PACER's case id, not the docket number.
	if want := "N.D. Cal. · ECF No. 736-12 · Order"; got != want {
		t.Errorf("got %q; want %q", got, want)
	}
}
