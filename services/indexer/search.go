package indexer

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/search"

	bsearch "github.com/blevesearch/bleve/v2/search"
)

var _ search.Searcher = (*Index)(nil)

// snippetWidth is the length in bytes of the text around the densest matches.
const snippetWidth = 240

// Search runs q against the index.
func (x *Index) Search(ctx context.Context, q search.Query) (*search.Result, error) {
	start := time.Now()
	q, err := q.Normalize()
	if err != nil {
		return nil, err
	}
	bq, err := buildQuery(q)
	if err != nil {
		return nil, err
	}
	req := bleve.NewSearchRequestOptions(bq, q.Limit, 0, false)
	req.SortBy([]string{"-_score", "_id"})
	if q.After != "" {
		after, err := decodeCursor(q.After)
		if err != nil {
			return nil, err
		}
		req.SearchAfter = after
	}
	req.IncludeLocations = true
	req.Fields = []string{fieldText, fieldPageStarts, fieldPages, fieldCaseName, fieldDescription, fieldCourt,
		fieldDocket, fieldEntry, fieldExhibit, fieldExhibitLabel, fieldFiled}
	res, err := x.alias.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("searching %q: %w", q.Q, err)
	}
	out := &search.Result{Total: res.Total, Hits: make([]search.Hit, 0, len(res.Hits))}
	for _, h := range res.Hits {
		out.Hits = append(out.Hits, toHit(h))
	}
	if len(res.Hits) == q.Limit && uint64(len(res.Hits)) < res.Total {
		last := res.Hits[len(res.Hits)-1]
		// bleve reports the score's sort value as "_score"; search-after wants the score.
		out.Next = encodeCursor([]string{strconv.FormatFloat(last.Score, 'g', -1, 64), last.ID})
	}
	out.Took = time.Since(start)
	return out, nil
}

// buildQuery combines the query string with the filters. A query string that does not
// parse is the researcher's mistake and says where.
func buildQuery(q search.Query) (query.Query, error) {
	var must []query.Query
	if strings.TrimSpace(q.Q) == "" {
		must = append(must, bleve.NewMatchAllQuery())
	} else {
		if err := checkSyntax(q.Q); err != nil {
			return nil, err
		}
		qs := bleve.NewQueryStringQuery(q.Q)
		if _, err := qs.Parse(); err != nil {
			return nil, &search.QueryError{Message: strings.TrimPrefix(err.Error(), "syntax error: "), Position: -1}
		}
		must = append(must, qs)
	}
	if len(q.Court) > 0 {
		var any []query.Query
		for _, c := range q.Court {
			t := bleve.NewTermQuery(c)
			t.SetField(fieldCourt)
			any = append(any, t)
		}
		must = append(must, bleve.NewDisjunctionQuery(any...))
	}
	if q.Docket != "" {
		t := bleve.NewTermQuery(q.Docket)
		t.SetField(fieldDocket)
		must = append(must, t)
	}
	if len(q.IDs) > 0 {
		ids := make([]string, len(q.IDs))
		for i, id := range q.IDs {
			ids[i] = string(id)
		}
		must = append(must, bleve.NewDocIDQuery(ids))
	}
	if q.Exhibits {
		b := bleve.NewBoolFieldQuery(true)
		b.SetField(fieldExhibit)
		must = append(must, b)
	}
	if !q.FiledFrom.IsZero() || !q.FiledTo.IsZero() {
		incl := true
		to := q.FiledTo
		if !to.IsZero() {
			to = to.Add(24*time.Hour - time.Nanosecond) // the whole last day
		}
		r := bleve.NewDateRangeInclusiveQuery(q.FiledFrom, to, &incl, &incl)
		r.SetField(fieldFiled)
		must = append(must, r)
	}
	if len(must) == 1 {
		return must[0], nil
	}
	return bleve.NewConjunctionQuery(must...), nil
}

// checkSyntax finds the mistakes people make most, with their position, before bleve's
// parser reports them without one.
func checkSyntax(s string) error {
	inQuote, quoteAt, depth := false, -1, 0
	var opens []int
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			i++
		case c == '"':
			inQuote, quoteAt = !inQuote, i
		case inQuote:
		case c == '(':
			depth++
			opens = append(opens, i)
		case c == ')':
			if depth == 0 {
				return &search.QueryError{Message: "unbalanced ')'", Position: i}
			}
			depth--
			opens = opens[:len(opens)-1]
		}
	}
	if inQuote {
		return &search.QueryError{Message: "unterminated phrase: missing closing '\"'", Position: quoteAt}
	}
	if depth > 0 {
		return &search.QueryError{Message: "unbalanced '(': missing ')'", Position: opens[len(opens)-1]}
	}
	if m := danglingOperator.FindStringIndex(s); m != nil {
		return &search.QueryError{Message: fmt.Sprintf("%q is missing what it applies to", strings.TrimSpace(s[m[0]:m[1]])), Position: m[0]}
	}
	return nil
}

// danglingOperator is a field name or +/- with nothing after it.
var danglingOperator = regexp.MustCompile(`(?:\b[A-Za-z_]+:|[+-])\s*$`)

func toHit(h *bsearch.DocumentMatch) search.Hit {
	str := func(f string) string { s, _ := h.Fields[f].(string); return s }
	num := func(f string) int { n, _ := h.Fields[f].(float64); return int(n) }
	hit := search.Hit{
		ID: filing.DocID(h.ID), Score: h.Score, Court: str(fieldCourt), Docket: str(fieldDocket),
		CaseName: str(fieldCaseName), Entry: num(fieldEntry), ExhibitLabel: str(fieldExhibitLabel),
		Description: str(fieldDescription), Pages: num(fieldPages),
	}
	hit.Exhibit, _ = h.Fields[fieldExhibit].(bool)
	if s := str(fieldFiled); s != "" {
		hit.Filed, _ = time.Parse(time.RFC3339, s)
	}
	text := str(fieldText)
	locs := matchOffsets(h.Locations[fieldText])
	if len(locs) == 0 || text == "" {
		hit.Snippet = snippet(text, nil, 0)
		if text == "" {
			hit.Snippet = html.EscapeString(trim(hit.Description, snippetWidth))
		}
		return hit
	}
	at := densest(locs, snippetWidth)
	hit.Page = pageAt(parseStarts(str(fieldPageStarts)), locs[at][0])
	hit.Snippet = snippet(text, locs, at)
	return hit
}

// matchOffsets flattens term locations into sorted [start,end) byte ranges.
func matchOffsets(terms bsearch.TermLocationMap) [][2]int {
	var out [][2]int
	for _, locs := range terms {
		for _, l := range locs {
			out = append(out, [2]int{int(l.Start), int(l.End)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

// densest returns the index of the match that starts the window of width bytes holding
// the most matches: the best place for a snippet, and the page the hit is shown at.
func densest(locs [][2]int, width int) int {
	best, bestN, j := 0, 0, 0
	for i := range locs {
		for j < len(locs) && locs[j][0] < locs[i][0]+width {
			j++
		}
		if j-i > bestN {
			best, bestN = i, j-i
		}
	}
	return best
}

// snippet cuts the text around the match at index at, marks every match in it with
// <mark>, and escapes the rest as HTML.
func snippet(text string, locs [][2]int, at int) string {
	if len(locs) == 0 {
		return html.EscapeString(trim(text, snippetWidth))
	}
	from := max(0, locs[at][0]-snippetWidth/4)
	to := min(len(text), from+snippetWidth)
	from, to = runeStart(text, from), runeStart(text, to)
	var b strings.Builder
	if from > 0 {
		b.WriteString("…")
	}
	pos := from
	for _, l := range locs[at:] {
		if l[0] >= to {
			break
		}
		if l[0] < pos {
			continue
		}
		b.WriteString(html.EscapeString(text[pos:l[0]]))
		b.WriteString("<mark>" + html.EscapeString(text[l[0]:min(l[1], len(text))]) + "</mark>")
		pos = min(l[1], len(text))
	}
	if pos < to {
		b.WriteString(html.EscapeString(text[pos:to]))
	}
	if to < len(text) {
		b.WriteString("…")
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

func runeStart(s string, i int) int {
	for i > 0 && i < len(s) && s[i]&0xC0 == 0x80 {
		i--
	}
	return i
}

func trim(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	return s[:runeStart(s, n)] + "…"
}

func encodeCursor(sort []string) string {
	data, _ := json.Marshal(sort)
	return base64.RawURLEncoding.EncodeToString(data)
}

func decodeCursor(s string) ([]string, error) {
	data, err := base64.RawURLEncoding.DecodeString(s)
	var after []string
	if err == nil {
		err = json.Unmarshal(data, &after)
	}
	if err == nil && len(after) == 2 {
		_, err = strconv.ParseFloat(after[0], 64)
	}
	if err != nil || len(after) != 2 {
		return nil, &search.QueryError{Message: "after is not a cursor this index issued", Position: -1}
	}
	return after, nil
}
