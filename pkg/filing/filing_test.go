package filing

import (
	"testing"
	"time"
)

func TestExhibitLabel(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"Exhibit 12", "Exhibit 12", true},
		{"Exhibit A - Email from CEO", "Exhibit A", true},
		{"EXHIBIT C", "Exhibit C", true},
		{"Ex. 3-B", "Exhibit 3-B", true},
		{"Exh. 4", "Exhibit 4", true},
		{"Exhibit AA", "Exhibit AA", true},
		{"Exhibits to Declaration of Counsel", "", false},
		{"EXHIBIT TO MOTION", "", false},
		{"Declaration in Support, with Exhibits", "", false},
		{"Exhibit in support", "", false},
		{"Proposed Order", "", false},
	}
	for _, tt := range tests {
		got, ok := ExhibitLabel(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ExhibitLabel(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseStamp(t *testing.T) {
	tests := []struct {
		in   string
		want Stamp
		ok   bool
	}{
		{"Case 3:20-cv-08570-JD Document 736-12 Filed 04/15/24 Page 1 of 2",
			Stamp{Docket: "3:20-cv-08570", Entry: 736, Attachment: 12, Filed: date(2024, 4, 15), Page: 1, Pages: 2}, true},
		{"Case 1:18-cv-03365-JD-ABC Document 5 Filed 01/02/2019 Page 3 of 10",
			Stamp{Docket: "1:18-cv-03365", Entry: 5, Filed: date(2019, 1, 2), Page: 3, Pages: 10}, true},
		{"Case: 20-16276, 08/05/2020, ID: 11778722, DktEntry: 19, Page 1 of 15",
			Stamp{Docket: "20-16276", Entry: 19, Filed: date(2020, 8, 5), Page: 1, Pages: 15}, true},
		{"Case: 20-1507 Document: 00117684624 Page: 1 Date Filed: 12/22/2020 Entry ID: 6391370",
			Stamp{Docket: "20-1507", Filed: date(2020, 12, 22), Page: 1}, true},
		{"Appellate Case: 21-8001 Document: 010110462922 Date Filed: 01/11/2021 Page: 1",
			Stamp{Docket: "21-8001", Filed: date(2021, 1, 11), Page: 1}, true},
		{"Case: 17-2400 Document: 3 Filed: 07/13/2017 Pages: 1",
			Stamp{Docket: "17-2400", Entry: 3, Filed: date(2017, 7, 13), Pages: 1}, true},
		{"Case 17-3510, Document 1-1, 10/31/2017, 2161300, Page1 of 2",
			Stamp{Docket: "17-3510", Entry: 1, Attachment: 1, Filed: date(2017, 10, 31), Page: 1, Pages: 2}, true},
		{"Case 8:19-bk-12345-ES Doc 45 Filed 01/02/20 Entered 01/02/20 10:11:12 Desc Main Document Page 1 of 5",
			Stamp{Docket: "8:19-bk-12345", Entry: 45, Filed: date(2020, 1, 2), Page: 1, Pages: 5}, true},
		{"Case 2:20-cv-01234-ABC-DEF Document 12-3 Filed 01/02/20 Page 1 of 5 Page ID #:123",
			Stamp{Docket: "2:20-cv-01234", Entry: 12, Attachment: 3, Filed: date(2020, 1, 2), Page: 1, Pages: 5}, true},
		{"Appeal: 17-1234 Doc: 17 Filed: 10/31/2017 Pg: 1 of 1",
			Stamp{Docket: "17-1234", Entry: 17, Filed: date(2017, 10, 31), Page: 1, Pages: 1}, true},
		{"Case 1:20-cv-01234-RM Document 5 Filed 01/02/20 USDC Colorado Page 1 of 16",
			Stamp{Docket: "1:20-cv-01234", Entry: 5, Filed: date(2020, 1, 2), Page: 1, Pages: 16, CourtMark: "Colorado"}, true},
		{"The case was filed in 2020.", Stamp{}, false},
		{"As the court held in Case: 17-2400, the appeal fails.", Stamp{}, false},
	}
	for _, tt := range tests {
		got, start, end, ok := ParseStamp(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseStamp(%q) = %+v, %v; want %+v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
		if ok && tt.in[start:end] != tt.in {
			t.Errorf("ParseStamp(%q) spans %q; want the whole stamp", tt.in, tt.in[start:end])
		}
	}
}

func TestDocIDKeyRoundTrip(t *testing.T) {
	for _, id := range []DocID{"cand/3:20-cv-08570/736/12", "cl:rd:41823", "sha256:ab.cd=ef g"} {
		key := id.Key()
		for _, c := range key {
			if !(c == '-' || c == '/' || c == '_' || c == '=' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')) {
				t.Errorf("Key(%q) = %q has %q", id, key, c)
			}
		}
		back, err := ParseKey(key)
		if err != nil || back != id {
			t.Errorf("ParseKey(Key(%q)) = %q, %v", id, back, err)
		}
	}
	if got := NewDocID("cand", "3:20-cv-08570", 736, 12); got != "cand/3:20-cv-08570/736/12" {
		t.Errorf("NewDocID = %q", got)
	}
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
