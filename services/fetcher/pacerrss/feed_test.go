package pacerrss

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/testfile"
)

// expectedDocket is juriscraper's PacerRssFeed.data item, the oracle beside each feed.
type expectedDocket struct {
	CourtID         string  `json:"court_id"`
	DocketNumber    string  `json:"docket_number"`
	CaseName        string  `json:"case_name"`
	PacerCaseID     *string `json:"pacer_case_id"`
	Type            string  `json:"type"`
	Office          string  `json:"office"`
	Chapter         string  `json:"chapter"`
	Trustee         string  `json:"trustee_str"`
	OfficeCode      *string `json:"federal_dn_office_code"`
	CaseType        *string `json:"federal_dn_case_type"`
	JudgeAssigned   *string `json:"federal_dn_judge_initials_assigned"`
	JudgeReferred   *string `json:"federal_dn_judge_initials_referred"`
	DefendantNumber any     `json:"federal_defendant_number"`
	DocketEntries   []struct {
		DateFiled        string  `json:"date_filed"`
		DocumentNumber   *string `json:"document_number"`
		PacerDocID       string  `json:"pacer_doc_id"`
		PacerSeqNo       *string `json:"pacer_seq_no"`
		ShortDescription string  `json:"short_description"`
	} `json:"docket_entries"`
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// courtOf derives the court id from a corpus file name as juriscraper's test does.
func courtOf(name string) string {
	base := strings.TrimSuffix(filepath.Base(name), ".xml")
	court, _, _ := strings.Cut(base, "_")
	return court
}

func TestParseCorpus(t *testing.T) {
	feeds, err := filepath.Glob("testdata/rss/*.xml")
	if err != nil || len(feeds) == 0 {
		t.Fatalf("no feeds in testdata/rss: %v", err)
	}
	withOracle := 0
	for _, path := range feeds {
		t.Run(filepath.Base(path), func(t *testing.T) {
			raw := testfile.Read(t, path)
			court := courtOf(path)
			feed, err := Parse(court, bytes.NewReader(raw))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if feed.BuildDate == "" || feed.BuildDate != BuildDate(raw) {
				t.Errorf("BuildDate: parsed %q, scanned %q", feed.BuildDate, BuildDate(raw))
			}
			if got := strings.Count(string(raw), "<item>"); feed.Items != got {
				t.Errorf("Items = %d; want %d", feed.Items, got)
			}
			oracle, err := os.ReadFile(strings.TrimSuffix(path, ".xml") + ".json")
			if os.IsNotExist(err) {
				// Without juriscraper's oracle, check what CourtListener's own test
				// asserts: one docket with one entry per item, and each entry complete.
				if len(feed.Entries) != feed.Items {
					t.Errorf("got %d entries; want one per item (%d)", len(feed.Entries), feed.Items)
				}
				for _, e := range feed.Entries {
					if e.DocketNumber == "" || e.PacerDocID == "" || e.DocumentNumber == "" || e.Filed.IsZero() || e.ShortDescription == "" {
						t.Errorf("incomplete entry %+v", e)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			withOracle++
			var want []expectedDocket
			if err := json.Unmarshal(oracle, &want); err != nil {
				t.Fatal(err)
			}
			if len(feed.Entries) != len(want) {
				t.Fatalf("got %d entries; want %d (dropped: %v)", len(feed.Entries), len(want), feed.Dropped)
			}
			for i, w := range want {
				compareEntry(t, i, feed.Entries[i], w)
			}
		})
	}
	if withOracle < 10 {
		t.Errorf("only %d feeds had an expected JSON; want all 10 juriscraper feeds", withOracle)
	}
}

func compareEntry(t *testing.T, i int, g Entry, w expectedDocket) {
	t.Helper()
	check := func(field, got, want string) {
		if got != want {
			t.Errorf("entry %d (%s) %s = %q; want %q", i, w.DocketNumber, field, got, want)
		}
	}
	check("court", g.Court, w.CourtID)
	check("docket_number", g.DocketNumber, w.DocketNumber)
	check("case_name", g.CaseName, w.CaseName)
	check("pacer_case_id", g.PacerCaseID, str(w.PacerCaseID))
	check("type", g.Type, w.Type)
	check("office", g.Office, w.Office)
	check("chapter", g.Chapter, w.Chapter)
	check("trustee", g.Trustee, w.Trustee)
	var c Components
	if g.Components != nil {
		c = *g.Components
	}
	check("office_code", c.OfficeCode, str(w.OfficeCode))
	check("case_type", c.CaseType, str(w.CaseType))
	check("judge_assigned", c.JudgeInitialsAssigned, str(w.JudgeAssigned))
	check("judge_referred", c.JudgeInitialsReferred, str(w.JudgeReferred))
	// The oracle writes the defendant number as a string or a number.
	wantDef := "0"
	switch v := w.DefendantNumber.(type) {
	case string:
		wantDef = v
	case float64:
		wantDef = strconv.Itoa(int(v))
	}
	check("defendant", strconv.Itoa(c.FederalDefendantNumber), wantDef)
	if len(w.DocketEntries) != 1 {
		t.Fatalf("entry %d: oracle has %d docket entries; want 1", i, len(w.DocketEntries))
	}
	we := w.DocketEntries[0]
	check("document_number", g.DocumentNumber, str(we.DocumentNumber))
	check("pacer_doc_id", g.PacerDocID, we.PacerDocID)
	check("pacer_seq_no", g.PacerSeqNo, str(we.PacerSeqNo))
	check("short_description", g.ShortDescription, we.ShortDescription)
	wantFiled, err := time.Parse(time.RFC3339, we.DateFiled)
	if err != nil {
		t.Fatalf("oracle date %q: %v", we.DateFiled, err)
	}
	// Same instant and the same UTC offset: the court's local time is kept.
	check("date_filed", g.Filed.Format(time.RFC3339), wantFiled.Format(time.RFC3339))
}
