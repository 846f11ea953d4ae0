package entity

import (
	"strings"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/services/extractor/entity/ner"
)

// spanTexts tags text's words with one span over [s, e) words and returns what the
// given span helper makes of it, as texts.
func spanTexts(text string, sp ner.Span, f func(string, []ner.Token, []ner.Span) []ner.Span) []string {
	toks := ner.Tokenize(nil, text)
	var out []string
	for _, p := range f(text, toks, []ner.Span{sp}) {
		out = append(out, text[toks[p.Start].Start:toks[p.End-1].End])
	}
	return out
}

func TestSpanRules(t *testing.T) {
	and := func(text string, toks []ner.Token, ss []ner.Span) []ner.Span { return splitAnd(nil, text, toks, ss[0]) }
	lines := func(text string, toks []ner.Token, ss []ner.Span) []ner.Span { return splitLines(nil, text, toks, ss) }
	for _, tc := range []struct {
		name string
		text string
		sp   ner.Span
		f    func(string, []ner.Token, []ner.Span) []ner.Span
		want []string
	}{
		{"two companies joined by and", "Quorvex and Daltrane sued", ner.Span{Type: "ORG", Start: 0, End: 3}, and, []string{"Quorvex", "Daltrane"}},
		{"three names", "Quorvex and Daltrane and Pellmoor", ner.Span{Type: "ORG", Start: 0, End: 5}, and, []string{"Quorvex", "Daltrane", "Pellmoor"}},
		{"and inside a name after of", "Department of Health and Human Services", ner.Span{Type: "ORG", Start: 0, End: 6}, and,
			[]string{"Department of Health and Human Services"}},
		{"a company line above a street line", "Brask Wendel LLP\nOne Harbor Plaza\n", ner.Span{Type: "ORG", Start: 0, End: 6}, lines,
			[]string{"Brask Wendel LLP", "One Harbor Plaza"}},
		{"a name wrapped in prose", "The record shows that the Lakeshore Department of Agriculture and Rural\nAffairs announced new rules for small farms today.",
			ner.Span{Type: "ORG", Start: 5, End: 12}, lines, []string{"Lakeshore Department of Agriculture and Rural\nAffairs"}},
		{"a name ends at a sentence end", "Counsel wrote about the Orvane Portal. Kestrel Daybridge LLC answered.",
			ner.Span{Type: "ORG", Start: 4, End: 10}, lines, []string{"Orvane Portal", "Kestrel Daybridge LLC"}},
		{"an abbreviation's or an initial's dot ends no name", "a trust of Tessaly Fabric Co. Pension Fund, by P. Quillon Ardmore",
			ner.Span{Type: "ORG", Start: 3, End: 8}, lines, []string{"Tessaly Fabric Co. Pension Fund"}},
		{"a legal form on the caption's next line", "MARLOWE TIDE FREIGHT LINES, ]\nINC., ]\nDefendant. ]\n",
			ner.Span{Type: "ORG", Start: 0, End: 7}, lines, []string{"MARLOWE TIDE FREIGHT LINES, ]\nINC."}},
		{"a caption's column rule ends a line's name", "ARDEN VALE MILLS, ]\nTHORNBURY CARTAGE, ]\n",
			ner.Span{Type: "ORG", Start: 0, End: 7}, lines, []string{"ARDEN VALE MILLS", "THORNBURY CARTAGE"}},
		{"a column rule inside a line", "HOLLIS GRANGE ] Appeal from the Court\n",
			ner.Span{Type: "ORG", Start: 0, End: 4}, lines, []string{"HOLLIS GRANGE", "Appeal"}},
		{"a closing bracket the name opened stays", "sued Pellmoor Trading (Canada) and others",
			ner.Span{Type: "ORG", Start: 1, End: 6}, lines, []string{"Pellmoor Trading (Canada)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := spanTexts(tc.text, tc.sp, tc.f)
			if len(got) != len(tc.want) {
				t.Fatalf("got %q; want %q", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("got %q; want %q", got, tc.want)
				}
			}
		})
	}
	// "C. R." tagged a person, "Bard, Inc." a company: the suffix makes one company.
	text := "sued C. R. Bard, Inc. today"
	toks := ner.Tokenize(nil, text)
	got := joinSuffixed(text, toks, []ner.Span{{Type: "PER", Start: 1, End: 3}, {Type: "ORG", Start: 3, End: 6}})
	if len(got) != 1 || got[0].Type != "ORG" || text[toks[got[0].Start].Start:toks[got[0].End-1].End] != "C. R. Bard, Inc." {
		t.Errorf("got %+v; want one organisation \"C. R. Bard, Inc.\"", got)
	}
}

// TestVote checks the document-level consistency on spans as the tagger could give
// them: a name keeps one type (a suffix decides, else the majority), and a name the
// document mostly leaves untagged is forgotten.
func TestVote(t *testing.T) {
	r, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	text := "Brenlow Holdings, Inc. sued. Brenlow Holdings answered. Brenlow Holdings paid. Issuer Issuer Issuer Issuer."
	pages := []filing.Page{{Number: 1, Text: text}}
	d := newDocState(r, nil)
	at := func(s string, from int) (int, int) {
		for i := from; i+len(s) <= len(text); i++ {
			if text[i:i+len(s)] == s {
				return i, i + len(s)
			}
		}
		t.Fatalf("%q not in the text", s)
		return 0, 0
	}
	var ss []span
	add := func(ty filing.EntityType, s string, from int) int {
		a, b := at(s, from)
		ss = append(ss, span{typ: ty, start: a, end: b, prio: prioName})
		d.learn(ty, s)
		return b
	}
	e := add(filing.Organization, "Brenlow Holdings, Inc.", 0)
	e = add(filing.Person, "Brenlow Holdings", e)
	add(filing.Person, "Brenlow Holdings", e)
	add(filing.Place, "Issuer", 0)
	perPage := [][]span{ss}
	d.vote(pages, perPage)
	d.forgetRare(pages, perPage)
	for _, s := range perPage[0] {
		if w := text[s.start:s.end]; w == "Issuer" {
			t.Errorf("got %s %q; want a name tagged once among four mentions forgotten", s.typ, w)
		} else if s.typ != filing.Organization {
			t.Errorf("got %s %q; want the suffix to make every mention an organisation", s.typ, w)
		}
	}
	if _, ok := d.learnt["Issuer"]; ok {
		t.Errorf("\"Issuer\" is still learnt; want it forgotten, so that it does not recur")
	}
	ents := d.merge(pages, perPage)
	if len(ents) != 1 || len(ents[0].Mentions) != 3 {
		t.Errorf("got %+v; want one organisation with three mentions", ents)
	}
}

// An acronym and a surname resolve to the names learnt before them.
func TestAntecedents(t *testing.T) {
	r, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	d := newDocState(r, nil)
	d.learn(filing.Organization, "Lakeshore Bureau of Fisheries")
	d.learn(filing.Person, "Odalys Penhallow")
	if ty, ok := d.acronymOf("LBF"); !ok || ty != filing.Organization {
		t.Errorf("acronym LBF: got %q, %v; want the organisation", ty, ok)
	}
	for _, tc := range []struct {
		s    span
		name string
		want string
	}{
		{span{typ: filing.Organization}, "LBF", "Lakeshore Bureau of Fisheries"},
		{span{typ: filing.Person}, "Penhallow", "Odalys Penhallow"},
		{span{typ: filing.Person}, "PENHALLOW", "Odalys Penhallow"},
	} {
		if got := d.canonical(tc.s, tc.name); got != tc.want {
			t.Errorf("canonical of %q: got %q; want %q", tc.name, got, tc.want)
		}
	}
}

// cueAhead must let through every word productCue accepts: it only saves the expression
// where no cue word can start.
func TestCueAheadCoversProductCue(t *testing.T) {
	src := productCue.String()
	alt := src[strings.Index(src, "(?:")+3 : strings.Index(src, ")s?")]
	for _, w := range strings.Split(alt, "|") {
		if text := "X " + w; !cueAhead(text, 1) {
			t.Errorf("cueAhead rules out %q, which productCue accepts", w)
		}
	}
}
