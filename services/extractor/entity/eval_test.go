package entity

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/filing"
)

var showErrors = flag.Bool("show", false, "print every false positive and false negative of the evaluation")

type goldDoc struct {
	ID     string `json:"id"`
	Source struct {
		Repo, Path, Commit string
	} `json:"source"`
	Pages    []filing.Page `json:"pages"`
	Known    []Known       `json:"known"`
	Mentions []struct {
		Type  filing.EntityType `json:"type"`
		Page  int               `json:"page"`
		Start int               `json:"start"`
		End   int               `json:"end"`
		Text  string            `json:"text"`
	} `json:"mentions"`
}

func loadGold(tb testing.TB) []goldDoc {
	tb.Helper()
	files, err := filepath.Glob("testdata/gold/*.json")
	if err != nil || len(files) == 0 {
		tb.Fatalf("listing gold files: %v (%d files)", err, len(files))
	}
	var docs []goldDoc
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		var d goldDoc
		if err := json.Unmarshal(b, &d); err != nil {
			tb.Fatalf("reading %s: %v", f, err)
		}
		docs = append(docs, d)
	}
	return docs
}

type score struct{ tp, fp, fn int }

func (s score) prf() (p, r, f float64) {
	if s.tp+s.fp > 0 {
		p = float64(s.tp) / float64(s.tp+s.fp)
	}
	if s.tp+s.fn > 0 {
		r = float64(s.tp) / float64(s.tp+s.fn)
	}
	if p+r > 0 {
		f = 2 * p * r / (p + r)
	}
	return
}

// thresholds are issue 5's targets for F1 per type.
var thresholds = map[filing.EntityType]float64{
	filing.DocketNumber: 0.95, filing.CaseCitation: 0.95, filing.Statute: 0.95, filing.Money: 0.95, filing.Date: 0.95,
	filing.Organization: 0.85, filing.Person: 0.85, filing.Place: 0.85, filing.Product: 0.75,
}

// patternTypes are the types the patterns find, which no model decides.
var patternTypes = map[filing.EntityType]bool{
	filing.DocketNumber: true, filing.CaseCitation: true, filing.Statute: true, filing.Money: true, filing.Date: true,
	filing.CourtName: true, filing.ExhibitRef: true,
}

// TestEvaluation scores the pattern types against the hand-annotated gold set: a
// mention counts only with the exact type, page and byte offsets. The names
// (organisation, person, place, product) are scored by TestCrossValidation, since the
// embedded model was trained on this set.
func TestEvaluation(t *testing.T) {
	r, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	docs := loadGold(t)
	scores := map[filing.EntityType]*score{}
	scoreGold(t, r, docs, scores)
	total := 0
	for _, d := range docs {
		total += len(d.Mentions)
	}
	if len(docs) < 15 || total < 400 {
		t.Errorf("gold set has %d documents and %d mentions; want ≥ 15 and ≥ 400", len(docs), total)
	}
	for ty := range scores {
		if !patternTypes[ty] {
			delete(scores, ty)
		}
	}
	t.Logf("evaluation over %d documents, pattern types:\n%s", len(docs), scoreTable(scores))
	for ty, th := range thresholds {
		if !patternTypes[ty] {
			continue
		}
		s := scores[ty]
		if s == nil {
			t.Errorf("%s: no gold mentions", ty)
			continue
		}
		if _, _, f := s.prf(); f < th {
			t.Errorf("%s: F1 %.3f; want ≥ %.2f", ty, f, th)
		}
	}
}

// scoreGold adds the recogniser's scores over gold documents to scores.
func scoreGold(t testing.TB, r *Recognizer, docs []goldDoc, scores map[filing.EntityType]*score) {
	type m struct {
		ty         filing.EntityType
		page, s, e int
	}
	for _, d := range docs {
		gold := map[m]string{}
		for _, g := range d.Mentions {
			gold[m{g.Type, g.Page, g.Start, g.End}] = g.Text
		}
		got := map[m]string{}
		for _, e := range r.Recognize(context.Background(), d.Pages, d.Known) {
			for _, x := range e.Mentions {
				got[m{e.Type, x.Page, x.Start, x.End}] = x.Text
			}
		}
		for k, txt := range got {
			if _, ok := gold[k]; ok {
				scoreOf(scores, k.ty).tp++
			} else {
				scoreOf(scores, k.ty).fp++
				if *showErrors {
					t.Logf("%s FP %-13s p%d %q", d.ID, k.ty, k.page, txt)
				}
			}
		}
		for k, txt := range gold {
			if _, ok := got[k]; !ok {
				scoreOf(scores, k.ty).fn++
				if *showErrors {
					t.Logf("%s FN %-13s p%d %q", d.ID, k.ty, k.page, txt)
				}
			}
		}
	}
}

// scoreTable prints scores per type, then the micro-average over person, organisation
// and place.
func scoreTable(scores map[filing.EntityType]*score) string {
	var types []string
	for ty := range scores {
		types = append(types, string(ty))
	}
	sort.Strings(types)
	var b strings.Builder
	fmt.Fprintf(&b, "%-14s %5s %5s %5s %6s %6s %6s %6s\n", "type", "gold", "tp", "fp", "P", "R", "F1", "target")
	var names score
	for _, ty := range types {
		s := scores[filing.EntityType(ty)]
		p, rc, f := s.prf()
		target := ""
		if th, ok := thresholds[filing.EntityType(ty)]; ok {
			target = fmt.Sprintf("%.2f", th)
		}
		fmt.Fprintf(&b, "%-14s %5d %5d %5d %6.3f %6.3f %6.3f %6s\n", ty, s.tp+s.fn, s.tp, s.fp, p, rc, f, target)
		if ty := filing.EntityType(ty); ty == filing.Person || ty == filing.Organization || ty == filing.Place {
			names.tp, names.fp, names.fn = names.tp+s.tp, names.fp+s.fp, names.fn+s.fn
		}
	}
	if names.tp+names.fn > 0 {
		p, rc, f := names.prf()
		fmt.Fprintf(&b, "%-14s %5d %5d %5d %6.3f %6.3f %6.3f\n", "micro PER/ORG/LOC", names.tp+names.fn, names.tp, names.fp, p, rc, f)
	}
	return b.String()
}
