package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/testfile"
	"github.com/docketwatch/docketwatch/services/fetcher/pacerrss"
)

// juriscraperDocket is the part of juriscraper's PacerRssFeed.data item (the oracle
// beside each feed in testdata/pacer) that a published document carries.
type juriscraperDocket struct {
	CourtID       string  `json:"court_id"`
	DocketNumber  string  `json:"docket_number"`
	CaseName      string  `json:"case_name"`
	PacerCaseID   *string `json:"pacer_case_id"`
	DocketEntries []struct {
		DateFiled        string  `json:"date_filed"`
		DocumentNumber   *string `json:"document_number"`
		ShortDescription string  `json:"short_description"`
	} `json:"docket_entries"`
}

// TestPacerParse runs `docketwatch pacer parse --json` on real feeds, the court read
// from the feed, and checks each document against juriscraper's expected parse.
func TestPacerParse(t *testing.T) {
	for _, name := range []string{"sdny_1", "cafc", "mdb_1"} {
		t.Run(name, func(t *testing.T) {
			feed := filepath.Join("testdata", "pacer", name+".xml")
			var want []juriscraperDocket
			testfile.JSON(t, filepath.Join("testdata", "pacer", name+".json"), &want)
			out, err := docketwatch(t, "pacer", "parse", "--json", feed).Output()
			if err != nil {
				t.Fatalf("pacer parse: %v", err)
			}
			var got []filing.Document
			sc := bufio.NewScanner(bytes.NewReader(out))
			sc.Buffer(nil, 1<<20)
			for sc.Scan() {
				var d filing.Document
				if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
					t.Fatalf("line %q: %v", sc.Text(), err)
				}
				got = append(got, d)
			}
			if len(got) != len(want) || len(want) == 0 {
				t.Fatalf("%d documents; juriscraper finds %d", len(got), len(want))
			}
			for i, w := range want {
				compareWithJuriscraper(t, got[i], w)
			}
		})
	}
}

func compareWithJuriscraper(t *testing.T, d filing.Document, w juriscraperDocket) {
	t.Helper()
	e := w.DocketEntries[0]
	filed, err := time.Parse(time.RFC3339, e.DateFiled)
	if err != nil {
		t.Fatal(err)
	}
	wantNumber := 0
	if e.DocumentNumber != nil {
		wantNumber, _ = strconv.Atoi(*e.DocumentNumber)
	}
	wantCaseID := ""
	if w.PacerCaseID != nil {
		wantCaseID = *w.PacerCaseID
	}
	for _, c := range []struct{ field, got, want string }{
		{"court", d.Docket.Court, pacerrss.CourtListenerID(juriscraperCourt(w.CourtID))},
		{"docket", d.Docket.Number, pacerrss.NormalizeDocketNumber(w.DocketNumber)},
		{"case name", d.Docket.CaseName, w.CaseName},
		{"pacer case id", d.Docket.SourceIDs["pacer_case_id"], wantCaseID},
		{"description", d.Entry.Description, strings.TrimSpace(e.ShortDescription)},
		{"entry number", strconv.Itoa(d.Entry.Number), strconv.Itoa(wantNumber)},
		{"filed", d.Entry.Filed.UTC().Format(time.RFC3339), filed.UTC().Format(time.RFC3339)},
	} {
		if c.got != c.want {
			t.Errorf("%s (%s): %s = %q; juriscraper %q", d.ID, w.DocketNumber, c.field, c.got, c.want)
		}
	}
	if d.ID == "" || d.Source != pacerrss.Source {
		t.Errorf("document %+v: no id or not from the PACER source", d)
	}
}

// TestPacerParseText: without --json, one line per document and a count; a wrong
// --court is refused with the parser's reason.
func TestPacerParseText(t *testing.T) {
	out, err := docketwatch(t, "pacer", "parse", filepath.Join("testdata", "pacer", "cafc.xml")).Output()
	if err != nil {
		t.Fatalf("pacer parse: %v", err)
	}
	var want []juriscraperDocket
	testfile.JSON(t, filepath.Join("testdata", "pacer", "cafc.json"), &want)
	text := string(out)
	if !strings.Contains(text, "Transtex Inc. v. Vidal") || !strings.Contains(text, "feed cafc ") || !strings.Contains(text, plural(len(want), "document")) {
		t.Errorf("text output lacks a case name or the count:\n%s", text)
	}
	if out, err := docketwatch(t, "pacer", "parse", "--court", "not a court", filepath.Join("testdata", "pacer", "cafc.xml")).CombinedOutput(); err == nil || !strings.Contains(string(out), "not a court id") {
		t.Errorf("a bad --court: %v: %s; want a refusal", err, out)
	}
}

// juriscraperCourt is the court of juriscraper's expected parse: its test names the court
// by the file name, and the S.D.N.Y. feed's file is sdny_1 while the court id is nysd.
func juriscraperCourt(id string) string {
	if id == "sdny" {
		return "nysd"
	}
	return id
}
