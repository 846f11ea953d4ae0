package entity

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/filing"
)

// The reference recognisers: each expression of the pattern recognisers run over the
// whole page, as the stage first did at under 1 MB/s. The rules of scan.go must find
// exactly what these find.

var (
	refStatuteREs = func() []*regexp.Regexp {
		out := make([]*regexp.Regexp, len(statuteParts))
		for i, p := range statuteParts {
			out[i] = regexp.MustCompile(p)
		}
		return out
	}()
	refCourtRE  = regexp.MustCompile(`(?i:\b(?:` + strings.Join(courtNameParts, "|") + `))|` + strings.Join(courtAbbrevParts, "|"))
	refTitleRE  = regexp.MustCompile(`(?m)^\d{2}-\d{3,6}\b`)
	refStateRE  = regexp.MustCompile(`[A-Za-z.], ([A-Z]{2})(?:[ \t]+\d{5}(?:-\d{4})?)?[ \t]*(?:\n|$)`)
	refStampAll = stampRE
)

func refStampRanges(text string) [][2]int {
	var out [][2]int
	for _, m := range refStampAll.FindAllStringIndex(text, -1) {
		if line := text[m[0]:m[1]]; strings.Contains(line, "Filed") || strings.Contains(line, "Page") {
			out = append(out, [2]int{m[0], m[1]})
		}
	}
	return out
}

func refPatternSpans(text string) []span {
	var out []span
	add := func(t filing.EntityType, locs [][]int) {
		for _, m := range locs {
			out = append(out, span{typ: t, start: m[0], end: m[1], prio: prioPattern})
		}
	}
	add(filing.DocketNumber, docketDistrictRE.FindAllStringIndex(text, -1))
	add(filing.Money, moneyRE.FindAllStringIndex(text, -1))
	add(filing.Date, dateRE.FindAllStringIndex(text, -1))
	add(filing.ExhibitRef, exhibitRE.FindAllStringIndex(text, -1))
	for _, re := range refStatuteREs {
		for _, m := range re.FindAllStringIndex(text, -1) {
			if s := text[m[0]:m[1]]; strings.HasSuffix(s, "Act") && !actLooksNamed(s) {
				continue
			}
			out = append(out, span{typ: filing.Statute, start: m[0], end: m[1], prio: prioPattern})
		}
	}
	for _, c := range docketCueRE.FindAllStringIndex(text, -1) {
		pos := c[1]
		for n := 0; n < 8; n++ {
			m := docketBareRE.FindStringIndex(text[pos:])
			if m == nil || phoneRE.MatchString(text[pos+m[0]:]) {
				break
			}
			out = append(out, span{typ: filing.DocketNumber, start: pos + m[0], end: pos + m[1], prio: prioPattern})
			pos += m[1]
			sep := docketListRE.FindStringIndex(text[pos:])
			if sep == nil || sep[1] == 0 || !strings.ContainsAny(text[pos:pos+sep[1]], ",&") && !strings.Contains(text[pos:pos+sep[1]], "and") {
				break
			}
			pos += sep[1]
		}
	}
	add(filing.DocketNumber, refTitleRE.FindAllStringIndex(text, -1))
	return out
}

func refCourtSpans(text string) []span {
	var out []span
	for _, m := range refCourtRE.FindAllStringIndex(text, -1) {
		if s := text[m[0]:m[1]]; s[0] >= 'A' && s[0] <= 'Z' && !isCourtWordOnly(s) {
			out = append(out, span{typ: filing.CourtName, start: m[0], end: m[1], prio: prioCourt})
		}
	}
	for _, m := range courtCodeRE.FindAllStringIndex(text, -1) {
		out = append(out, span{typ: filing.CourtName, start: m[0], end: m[0] + 3, prio: prioCourt})
	}
	return mergeAdjacentCourts(text, out)
}

func refCitations(c *citationFinder, text string) []span {
	out := c.find(text, make(pageHits, len(triggerOnce().rules))) // reporter citations only
	for _, m := range append(otherCiteRE.FindAllStringIndex(text, -1), neutralCiteRE.FindAllStringIndex(text, -1)...) {
		end := m[1]
		if t := text[m[0]:m[1]]; strings.HasPrefix(t, "Id.") || strings.HasPrefix(t, "Ibid.") || strings.HasPrefix(t, "id.") {
			end = m[0] + strings.IndexByte(t, '.') + 1
		}
		out = append(out, span{typ: filing.CaseCitation, start: m[0], end: end, prio: prioPattern})
	}
	return out
}

func spanSet(ss []span) []string {
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		out = append(out, fmt.Sprintf("%d-%d %s", s.start, s.end, s.typ))
	}
	sort.Strings(out)
	return out
}

// diff lists what one sorted list has and the other lacks.
func diff(got, want []string) (extra, missing []string) {
	g, w := map[string]int{}, map[string]int{}
	for _, x := range got {
		g[x]++
	}
	for _, x := range want {
		w[x]++
	}
	for x, n := range g {
		if w[x] < n {
			extra = append(extra, x)
		}
	}
	for x, n := range w {
		if g[x] < n {
			missing = append(missing, x)
		}
	}
	return
}

// refTexts are the gold pages and some hard cases: rule keys at the text's edges, in
// other case, glued to words, and split across lines.
func refTexts(t testing.TB) []string {
	var out []string
	for _, d := range loadGold(t) {
		for _, p := range d.Pages {
			out = append(out, p.Text)
		}
	}
	return append(out,
		"", "$", "$5", "§", "Act", "No.", "D.", "Case", "12-345", "1/2/34",
		"FOR THE DISTRICT OF NEW JERSEY\nUNITED STATES DISTRICT COURT\nNORTHERN DISTRICT OF CALIFORNIA",
		"the United States Court of Appeals for the District of Columbia Circuit held",
		"syntax court; SYNTAX COURT; Workers’ Compensation Appeals Board; the Court of International Trade Claims",
		"Bruno. 12-345; Casino. 17-3510; US$5; Act Acts Actual; Maydays May 5",
		"In re X, MDL No. 2741, MDL 17-02741-VC; Case No. 3:20-cv-08570-JD; ALN 1:10-259; 2020-NMSC-001",
		"Under the Sherman Antitrust Act and the Clean Air Act, 42 U.S.C. § 7401 et seq. and Cal. Bus. & Prof. Code § 17200",
		"docketed today as number 22-1801. Nos. 19031-13, 27735-13 and 11905-14. Phone 415-555-1212.",
		"Exhibits A-K, EXHIBIT 12, Ex. 3, Exs. 4–7; $1.6 million; $ 402; 04/15/24; 3 March 2020; Sept. 9, 2021",
		"S.D.N.Y. N.D. Cal. D.D.C. Ga. N.D. W. Va. S.D. SDNY Ninth Circuit NINTH CIRCUIT Fed. Cir. R. 47.5",
		"2019 WL 1234567; 2019 U.S. Dist. LEXIS 12345; T.C. Memo. 2020-26; Id. at 5; id. at *4; Ibid.",
		"Fed. R. Civ. P. 12(b)(6); Fed. R. Evid. 702; FRAP 12(a), 32(a); Federal Rules of Civil Procedure 26; Local Rule 7.1",
		"U.S. Const. art. III, § 2; First Amendment; Twenty-First Amendment; Sec. 5; sections 3(a)",
		"Pittsburgh, PA 15222\nFranklin, TN\nDenver, CO 80202-1234  \n",
		"Ünïcødé Łódź, São Paulo — “Acme” (AB/CD) O’Brien-Smith A.B.C. U.S. R. 12,345-6th x/y 3rd.",
		"\x00\xff\xfe D.\xff $\xff §\xff",
		// -layout text pads words apart.
		"21          Mass.                         1   3      March     2020   18      U.S.C.       §   1030",
	)
}

// TestRulesMatchWholePage checks the windowed rules against the whole-page expressions.
func TestRulesMatchWholePage(t *testing.T) {
	c := reportersOnce()
	for i, text := range refTexts(t) {
		h := pageHits(triggerOnce().scan(text))
		for _, tc := range []struct {
			name      string
			got, want []span
		}{
			{"patterns", patternSpans(text, h), refPatternSpans(text)},
			{"courts", courtSpans(text, h), refCourtSpans(text)},
			{"citations", c.find(text, h), refCitations(c, text)},
		} {
			if extra, missing := diff(spanSet(tc.got), spanSet(tc.want)); len(extra)+len(missing) > 0 {
				t.Errorf("text %d: %s: got extra %v, missing %v; want the whole-page matches", i, tc.name, show(text, extra), show(text, missing))
			}
		}
		var got, want []string
		for _, m := range stampRanges(text) {
			got = append(got, fmt.Sprint(m))
		}
		for _, m := range refStampRanges(text) {
			want = append(want, fmt.Sprint(m))
		}
		if extra, missing := diff(got, want); len(extra)+len(missing) > 0 {
			t.Errorf("text %d: stamps: got extra %v, missing %v", i, extra, missing)
		}
	}
}

func show(text string, keys []string) []string {
	var out []string
	for _, k := range keys {
		var s, e int
		fmt.Sscanf(k, "%d-%d", &s, &e)
		out = append(out, fmt.Sprintf("%s %q", k, text[s:e]))
	}
	return out
}

// TestAddressStatesMatchExpression checks the written-out address rule against the
// expression it replaces.
func TestAddressStatesMatchExpression(t *testing.T) {
	for i, text := range refTexts(t) {
		var g, w []string
		for _, m := range addressStates(text) {
			g = append(g, fmt.Sprint(m))
		}
		for _, m := range refStateRE.FindAllStringSubmatchIndex(text, -1) {
			w = append(w, fmt.Sprint([2]int{m[2], m[3]}))
		}
		if extra, missing := diff(g, w); len(extra)+len(missing) > 0 {
			t.Errorf("text %d: address states: got extra %v, missing %v", i, extra, missing)
		}
	}
}

func TestCollapseSpace(t *testing.T) {
	ws := regexp.MustCompile(`\s+`)
	for _, s := range []string{"", " ", "a b", "a  b", "a\nb", " a \t\n b ", "United\nStates", "x\vy", "a \r\n\f b  "} {
		if got, want := collapseSpace(s), ws.ReplaceAllString(s, " "); got != want {
			t.Errorf("collapseSpace(%q) = %q; want %q", s, got, want)
		}
	}
}

// refFold is the first, simpler form of fold.
func refFold(s string) string {
	var b strings.Builder
	space := false
	for _, c := range strings.ToLower(s) {
		switch {
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c > 127 && c != '’' && c != '“' && c != '”':
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(c)
		case c == '&':
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString("and")
			space = true
		case c == '.' || c == '\'' || c == '’':
		default:
			space = true
		}
	}
	return trimCorpSuffixes(strings.TrimPrefix(b.String(), "the "))
}

func TestFold(t *testing.T) {
	in := []string{"", "Meta Platforms, Inc.", "META PLATFORMS INC", "The C. R. Bard Co., L.L.C.", "O’Brien & Sons, Ltd.",
		"“Widgetco”", "Łódź Ünïcødé GmbH", "\xff\xfeX", "A&B", "the the", "ÀÉ—Î"}
	for _, d := range loadGold(t) {
		for _, m := range d.Mentions {
			in = append(in, m.Text)
		}
	}
	for _, s := range in {
		if got, want := fold(s), refFold(s); got != want {
			t.Errorf("fold(%q) = %q; want %q", s, got, want)
		}
	}
}

func TestNormSpace(t *testing.T) {
	for _, s := range []string{"", " ", "a", "a b", " a", "a ", "a  b", "a\nb", "a\u00a0b", "a\x00b", "Acme Widgets, Inc."} {
		if got, want := normSpace(s), strings.Join(strings.Fields(s), " "); got != want {
			t.Errorf("normSpace(%q) = %q; want %q", s, got, want)
		}
	}
}
