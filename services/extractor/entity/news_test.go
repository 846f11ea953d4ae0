package entity

import (
	"context"
	"strings"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/filing"
)

// The sentences below are written for this test in the style of news coverage of
// litigation; every name in them is invented. Company names carry no suffix, so only
// their context (subject of a suit, a possessive before "chief executive", a list, a
// caption) can type them.
func TestNewsStyleCompanies(t *testing.T) {
	pages := []filing.Page{
		{Number: 1, Text: "QUILLFEATHER,\nPlaintiff,\nv.\nMARROWDALE,\nDefendant.\n" +
			"Case No. 4:25-cv-01234\n"},
		{Number: 2, Text: "Quillfeather sued Marrowdale in federal court on Tuesday, saying the streaming company had " +
			"copied its recommendation software. Quillfeather provided Marrowdale with viewing data for three years " +
			"under a licence that expired in March, the complaint says.\n" +
			"Quillfeather's chief executive, Odalys Penhallow, said in a statement that the company would seek " +
			"damages of $40 million. Penhallow declined to comment further.\n" +
			"The suit also names Tarnwell and Kelvaro, two advertising firms that worked with Marrowdale in " +
			"Lisbon and Toronto.\n"},
	}
	r, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	ents := r.Recognize(context.Background(), pages, nil)
	typeOf := map[string]filing.EntityType{}
	for _, e := range ents {
		for _, m := range e.Mentions {
			typeOf[m.Text] = e.Type
		}
	}
	// gap marks what the recogniser does not get right yet (see ner/EVAL.md): an unseen,
	// suffix-less name in prose that no caption or other mention types is mostly left
	// untyped, because the loan agreements teach that a capitalised word is often a
	// defined term. Gaps are logged, not failed, so that the test guards what works and
	// shows what does not.
	for _, tc := range []struct {
		text string
		want filing.EntityType
		gap  bool
	}{
		{"QUILLFEATHER", filing.Organization, false},
		{"MARROWDALE", filing.Organization, false},
		{"Quillfeather", filing.Organization, false},
		{"Marrowdale", filing.Organization, false},
		{"Odalys Penhallow", filing.Person, false},
		{"Penhallow", filing.Person, false},
		{"Tarnwell", filing.Organization, true},
		{"Kelvaro", filing.Organization, true},
		{"Lisbon", filing.Place, false},
		{"Toronto", filing.Place, false},
		{"$40 million", filing.Money, false},
		{"4:25-cv-01234", filing.DocketNumber, false},
	} {
		t.Run(tc.text, func(t *testing.T) {
			got := typeOf[tc.text]
			switch {
			case got == tc.want && tc.gap:
				t.Logf("%q typed %q: a gap closed, mark it so", tc.text, got)
			case got != tc.want && tc.gap:
				t.Logf("known gap: %q typed %q; want %q", tc.text, got, tc.want)
			case got != tc.want:
				t.Errorf("%q typed %q; want %q (all: %v)", tc.text, got, tc.want, typeOf)
			}
		})
	}
	for text := range typeOf {
		if text == "Tarnwell and Kelvaro" || text == "Quillfeather's" {
			t.Errorf("got the mention %q; want the names alone", text)
		}
	}
}

// A long page of capitalised words: the decoder's scores stay in range (they are
// renormalised as it goes) and the names come out whole.
func TestLongCapitalisedPage(t *testing.T) {
	text := strings.Repeat("ORDER OF THE COURT GRANTING THE MOTION OF JANE ROE AND ACME WIDGETS, INC.\n", 4000)
	r, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	ents := r.Recognize(context.Background(), []filing.Page{{Number: 1, Text: text}}, nil)
	if org := find(ents, filing.Organization, "ACME WIDGETS, INC."); org == nil || len(org.Mentions) < 3900 {
		t.Errorf("got %d entities; want the company found on (nearly) every line", len(ents))
	}
}

// TestPersonOfCompany: "Jane Roe of Acme, Inc." is a person and a company, as by-lines
// and signatures read; "Bank of" or "University of" names stay whole. Invented names.
func TestPersonOfCompany(t *testing.T) {
	pages := []filing.Page{{Number: 1, Text: "Email from Maribel Okonkwo of Quarrystone Holdings, Inc. about the renewal. " +
		"The Trust Bank of Wexmoor, Inc. replied on Friday.\n"}}
	r, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]filing.EntityType{}
	for _, e := range r.Recognize(context.Background(), pages, nil) {
		got[e.Canonical] = e.Type
	}
	for name, want := range map[string]filing.EntityType{
		"Maribel Okonkwo":            filing.Person,
		"Quarrystone Holdings, Inc.": filing.Organization,
	} {
		if got[name] != want {
			t.Errorf("%s: %q; want %q (found %v)", name, got[name], want, got)
		}
	}
	for name := range got {
		if strings.Contains(name, "Okonkwo of") {
			t.Errorf("the person and the company stayed one name: %q", name)
		}
	}
}
