package entity

import (
	"context"
	"strings"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/filing"
)

func recognize(t testing.TB, opt Options, text string, known ...Known) []filing.Entity {
	t.Helper()
	r, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	return r.Recognize(context.Background(), []filing.Page{{Number: 1, Text: text}}, known)
}

func find(ents []filing.Entity, ty filing.EntityType, canonical string) *filing.Entity {
	for i := range ents {
		if ents[i].Type == ty && ents[i].Canonical == canonical {
			return &ents[i]
		}
	}
	return nil
}

// The false positives users complain about in other tools.
func TestFalsePositives(t *testing.T) {
	tests := []struct {
		name, text string
		bad        []string // surfaces that must not be a person or an organisation
	}{
		{"pronouns and sentence-initial words", "He filed the motion. She opposed it. They met. However, It was late. Although We agreed, Nothing changed.",
			[]string{"He", "She", "They", "However", "It", "Although", "We", "Nothing"}},
		{"party roles and the court", "Plaintiff moves to compel. Defendant opposes. The Court GRANTS the motion. Plaintiffs and Defendants shall meet. The Clerk shall close the case.",
			[]string{"Plaintiff", "Defendant", "Court", "Plaintiffs", "Defendants", "Clerk"}},
		{"headings in capitals", "MEMORANDUM OPINION AND ORDER\nI. BACKGROUND\nNOTICE OF MOTION AND MOTION TO DISMISS\nSTATEMENT OF FACTS\n",
			[]string{"MEMORANDUM OPINION AND ORDER", "BACKGROUND", "NOTICE OF MOTION AND MOTION TO DISMISS", "STATEMENT OF FACTS", "MOTION TO DISMISS"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, e := range recognize(t, Options{}, tc.text) {
				if e.Type != filing.Person && e.Type != filing.Organization {
					continue
				}
				for _, m := range e.Mentions {
					for _, b := range tc.bad {
						if m.Text == b {
							t.Errorf("got %s %q; want no entity", e.Type, m.Text)
						}
					}
				}
			}
		})
	}
}

// The ECF stamp, when the text layer still carries it, is metadata: no mention of it.
func TestECFStampIgnored(t *testing.T) {
	text := "Case 3:20-cv-08570-JD Document 736-12 Filed 04/15/24 Page 1 of 2\nThe parties met on May 3, 2024 in case No. 3:21-cv-03977-JD.\n" +
		"Case: 20-16276, 08/05/2020, ID: 11778722, DktEntry: 19, Page 1 of 15\n"
	ents := recognize(t, Options{}, text)
	for _, e := range ents {
		for _, m := range e.Mentions {
			if line := text[strings.LastIndexByte(text[:m.Start], '\n')+1:]; strings.HasPrefix(line, "Case") {
				t.Errorf("got %s %q inside the ECF stamp; want none", e.Type, m.Text)
			}
		}
	}
	if find(ents, filing.DocketNumber, "3:21-cv-03977-JD") == nil || find(ents, filing.Date, "May 3, 2024") == nil {
		t.Errorf("got %+v; want the body's docket number and date", ents)
	}
}

// Normalisation: suffixes folded, defined terms and surnames resolved, user aliases.
func TestNormalisation(t *testing.T) {
	text := "Plaintiffs sued Acme Widgets, Inc. (\"Widgetco\") and Ms. Jane Roe. ACME WIDGETS INC was served; Widgetco answered. " +
		"Later Roe testified that Acme Widgets had shipped the Acme Widgets Inbox API to Lakeview Corp."
	ents := recognize(t, Options{Aliases: map[string][]string{"Lakeview Holdings": {"Lakeview"}}}, text)
	// Every spelling of the company is one organisation: suffix folded, the defined
	// term, the capitals. The fifth mention, "Acme Widgets" before "Inbox API", is the
	// company's or part of the product's name, as the model reads it.
	org := find(ents, filing.Organization, "Acme Widgets, Inc.")
	if org == nil {
		t.Fatalf("got %+v; want one organisation \"Acme Widgets, Inc.\"", ents)
	}
	got := map[int]string{}
	for _, m := range org.Mentions {
		got[m.Start] = m.Text
	}
	for start, want := range map[int]string{16: "Acme Widgets, Inc.", 37: "Widgetco", 66: "ACME WIDGETS INC", 95: "Widgetco", 139: "Acme Widgets"} {
		if got[start] != want {
			t.Errorf("organisation mentions %v; want %q at %d", got, want, start)
		}
	}
	if find(ents, filing.Product, "Acme Widgets Inbox API") == nil && got[168] != "Acme Widgets" {
		t.Errorf("got %+v; want the product \"Acme Widgets Inbox API\" or its maker's mention", ents)
	}
	if p := find(ents, filing.Person, "Jane Roe"); p == nil || len(p.Mentions) != 2 {
		t.Errorf("got %+v; want \"Jane Roe\" with 2 mentions (surname resolved)", ents)
	}
	if find(ents, filing.Organization, "Lakeview Holdings") == nil {
		t.Errorf("got %+v; want \"Lakeview Corp.\" under the user's canonical name", ents)
	}
}

func TestKnownLexicon(t *testing.T) {
	ents := recognize(t, Options{}, "Counsel for Zyxwv spoke.", Known{filing.Organization, "Zyxwv"})
	if find(ents, filing.Organization, "Zyxwv") == nil {
		t.Errorf("got %+v; want the docket's party Zyxwv as an organisation", ents)
	}
}

func TestLegalPatterns(t *testing.T) {
	text := "See Bell Atl. Corp. v. Twombly, 550 U.S. 544, 555 (2007); Twombly, 550 U.S. at 556; Id. at 557. " +
		"Under 15 U.S.C. § 2 and 47 C.F.R. § 64.2010 and Fed. R. Civ. P. 12(b)(6), the $1,250,000.50 claim filed January 5, 2021 " +
		"in No. 23-10063 (Bankr. S.D.N.Y.) and 1:18-cv-03365-JD fails. See Ex. A and Exhibit 12."
	ents := recognize(t, Options{}, text)
	for _, w := range []struct {
		ty filing.EntityType
		c  string
	}{
		{filing.CaseCitation, "550 U.S. 544"}, {filing.CaseCitation, "550 U.S. at 556"}, {filing.CaseCitation, "Id."},
		{filing.Statute, "15 U.S.C. § 2"}, {filing.Statute, "47 C.F.R. § 64.2010"}, {filing.Statute, "Fed. R. Civ. P. 12(b)(6)"},
		{filing.Money, "$1,250,000.50"}, {filing.Date, "January 5, 2021"}, {filing.DocketNumber, "23-10063"},
		{filing.DocketNumber, "1:18-cv-03365-JD"}, {filing.ExhibitRef, "Ex. A"}, {filing.ExhibitRef, "Exhibit 12"},
	} {
		if find(ents, w.ty, w.c) == nil {
			t.Errorf("missing %s %q in %+v", w.ty, w.c, ents)
		}
	}
}

func TestBadInput(t *testing.T) {
	r, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"", "\x00\xff\xfe", strings.Repeat("(", 10000), strings.Repeat("A. ", 5000), "$", "No. ", "v. v. v.",
		// Keys of the pattern rules back to back, runs of blanks, words without end.
		strings.Repeat("Act ", 20000), strings.Repeat("1-", 30000), strings.Repeat("§ ", 20000), strings.Repeat("D.", 20000),
		"21" + strings.Repeat(" ", 100000) + "U.S.C. § 2", strings.Repeat("x", 100000) + " Court", strings.Repeat("Board ", 10000),
		strings.Repeat("Smith, Jones & Co., Inc. v. ", 3000), strings.Repeat("’s ", 10000)} {
		r.Recognize(context.Background(), []filing.Page{{Number: 1, Text: s}}, nil)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if got := r.Recognize(ctx, []filing.Page{{Number: 1, Text: "John Smith sued Acme Inc."}}, nil); len(got) != 0 {
		t.Errorf("got %d entities after cancel; want 0", len(got))
	}
}

func TestLoadAliases(t *testing.T) {
	tests := []struct {
		name, in string
		wantErr  bool
	}{
		{"valid", "Meta Platforms:\n  - Facebook\n  - Meta\n", false},
		{"not a mapping", "- a\n- b\n", true},
		{"alias of two names", "A Corp:\n  - X\nB Corp:\n  - X\n", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := LoadAliases(strings.NewReader(tc.in))
			if (err != nil) != tc.wantErr {
				t.Fatalf("got err %v; want error %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			ents := recognize(t, Options{Aliases: m}, "Facebook, Inc. sued. Later Facebook settled.")
			if e := find(ents, filing.Organization, "Meta Platforms"); e == nil || len(e.Mentions) != 2 {
				t.Errorf("got %+v; want Facebook under \"Meta Platforms\"", ents)
			}
		})
	}
}

// mentionsOf lists the mentions of one type as their surface texts.
func mentionsOf(ents []filing.Entity, ty filing.EntityType) []string {
	var out []string
	for _, e := range ents {
		if e.Type == ty {
			for _, m := range e.Mentions {
				out = append(out, m.Text)
			}
		}
	}
	return out
}

func has(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// The organisation rules, on invented names.
func TestOrganisationRules(t *testing.T) {
	tests := []struct {
		name, text string
		ty         filing.EntityType
		want, not  []string
	}{
		{"the court's own office", "OFFICE OF THE CLERK\nPlease file the brief.", filing.Organization,
			nil, []string{"OFFICE OF THE CLERK", "OFFICE"}},
		{"stop word before a suffix", "He reported the income of\nMost LLC on a schedule.", filing.Organization,
			[]string{"Most LLC"}, nil},
		{"ordinal church", "They sued the First Presbyterian Church of Dover.", filing.Organization,
			[]string{"First Presbyterian Church of Dover"}, nil},
		{"public body", "the State Bureau of Fisheries reported", filing.Organization,
			[]string{"State Bureau of Fisheries"}, nil},
		{"a person before a company", "They sued Janet Doe, Quistgard, Inc. yesterday.", filing.Organization,
			[]string{"Quistgard, Inc."}, []string{"Doe, Quistgard, Inc."}},
		{"possessive", "Ms. Quorra Vantablack’s motion was late; Vantablack’s reply was not.", filing.Person,
			[]string{"Quorra Vantablack", "Vantablack"}, []string{"Quorra Vantablack’s"}},
		{"place inside a longer name", "The clinic in Lindenfeld, Ohio took the Lindenfeld Grant.", filing.Place,
			[]string{"Lindenfeld"}, nil},
		{"appeals board below an agency", "KANSAS BUREAU OF WORKERS’ COMPENSATION\nWORKERS’ COMPENSATION APPEALS BOARD\n", filing.CourtName,
			[]string{"WORKERS’ COMPENSATION APPEALS BOARD"}, nil},
		{"appeals board under a one-word line", "KANSAS\nWORKERS' COMPENSATION\nAPPEALS BOARD\n", filing.CourtName,
			[]string{"KANSAS\nWORKERS' COMPENSATION\nAPPEALS BOARD"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := mentionsOf(recognize(t, Options{}, tc.text), tc.ty)
			for _, w := range tc.want {
				if !has(got, w) {
					t.Errorf("got %s mentions %q; want %q among them", tc.ty, got, w)
				}
			}
			for _, n := range tc.not {
				if has(got, n) {
					t.Errorf("got %s mentions %q; want no %q", tc.ty, got, n)
				}
			}
		})
	}
}

// A Recognizer is shared by the extractor's workers: concurrent calls give what serial
// ones give (run with -race to check the shared state too).
func TestConcurrentRecognize(t *testing.T) {
	r, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	docs := loadGold(t)
	want := make([]int, len(docs))
	for i, d := range docs {
		for _, e := range r.Recognize(context.Background(), d.Pages, d.Known) {
			want[i] += len(e.Mentions)
		}
	}
	errs := make(chan string, 4*len(docs))
	done := make(chan struct{})
	for w := 0; w < 4; w++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for i, d := range docs {
				n := 0
				for _, e := range r.Recognize(context.Background(), d.Pages, d.Known) {
					n += len(e.Mentions)
				}
				if n != want[i] {
					errs <- d.ID
				}
			}
		}()
	}
	for w := 0; w < 4; w++ {
		<-done
	}
	close(errs)
	for id := range errs {
		t.Errorf("%s: got a different number of mentions concurrently; want the serial result", id)
	}
}

// A name ends where its sentence ends and runs over a caption's column rule to its
// legal form on the next line; the canonical name holds no column rule.
func TestNameBoundaries(t *testing.T) {
	t.Run("sentence end", func(t *testing.T) {
		text := "Note from Maren Oakes about the Orvane Portal. Kestrel Holdings LLC replied."
		ents := recognize(t, Options{Aliases: map[string][]string{"Kestrel Group": {"Kestrel Holdings"}}}, text)
		if find(ents, filing.Organization, "Kestrel Group") == nil {
			t.Errorf("got %s; want the organisation Kestrel Group (its alias, after the sentence end)", entityList(ents))
		}
		for _, e := range ents {
			for _, m := range e.Mentions {
				if strings.Contains(m.Text, "Portal. ") {
					t.Errorf("got %s %q across a sentence end", e.Type, m.Text)
				}
			}
		}
	})
	t.Run("caption column rule", func(t *testing.T) {
		text := "PERRIN LODE MINING, ] Appeal from the United\nINC., ] States District Court\nPlaintiff-Appellee, ]\n]\nv. ] No. 2:19-cv-00412\n]\n" +
			"MARLOWE TIDE FREIGHT LINES, ]\nINC., ]\nDefendant-Appellant. ]\n"
		ents := recognize(t, Options{}, text)
		if find(ents, filing.Organization, "MARLOWE TIDE FREIGHT LINES, INC.") == nil {
			t.Errorf("got %s; want the organisation MARLOWE TIDE FREIGHT LINES, INC.", entityList(ents))
		}
		for _, e := range ents {
			if strings.ContainsAny(e.Canonical, "]") || e.Type == filing.Organization && e.Canonical == "INC." {
				t.Errorf("got %s %q", e.Type, e.Canonical)
			}
		}
	})
	t.Run("party word before a name in capitals", func(t *testing.T) {
		for text, want := range map[string]string{
			"DEFENDANT QUARRELL BASIN TOOLWORKS, INC.\nanswers the complaint.": "QUARRELL BASIN TOOLWORKS, INC.",
			"IN RE SANTHORPE GLASS HOLDINGS, INC.\nChapter 11":                 "SANTHORPE GLASS HOLDINGS, INC.",
		} {
			ents := recognize(t, Options{}, text)
			if find(ents, filing.Organization, want) == nil {
				t.Errorf("%q: got %s; want the organisation %s", text, entityList(ents), want)
			}
		}
	})
}

func entityList(ents []filing.Entity) string {
	var b strings.Builder
	for _, e := range ents {
		b.WriteString(string(e.Type) + ":" + e.Canonical + "; ")
	}
	return b.String()
}
