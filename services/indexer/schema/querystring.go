package schema

import (
	"fmt"
	"github.com/blevesearch/bleve/v2/search/searcher"
	"regexp/syntax"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/search/query"
	vregexp "github.com/blevesearch/vellum/regexp"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/search"
)

// The query-string language is bleve's (terms, "phrases", +must, -must_not, field:value,
// wildcards, /regexps/, fuzzy~N, boost^N, field:>=value) extended with AND, OR, NOT and
// parentheses, which researchers type from habit and which bleve's own parser silently
// takes for words. Our own parser also knows every token's byte offset, so that a
// malformed query is answered with the position of its mistake.
//
// Juxtaposed clauses are AND-ed, as researchers expect from CourtListener and the
// Westlaw-style tools: `Judge Donato` finds the documents with both words; alternatives
// are written with OR. (bleve's own query string OR-s them.)
//
//	query   = seq
//	seq     = or { or }                    juxtaposed clauses: all must match, -x must not
//	or      = and { ("OR" | "||") and }
//	and     = unary { ("AND" | "&&") unary }
//	unary   = ("NOT" | "-" | "+") unary | primary
//	primary = [field ":"] ( "(" seq ")" | phrase | word ) [ "^" boost ]

// maxDepth bounds nesting, so that a hostile query cannot exhaust the stack.
const maxDepth = 32

// fieldKind says how a field's values are matched.
type fieldKind int

const (
	kindText fieldKind = iota
	kindKeyword
	kindLowerKeyword // keyword whose values are lower-case ids: "cand", "motion"
	kindDate
	kindNumber
	kindBool
)

type fieldSpec struct {
	name string // index field
	kind fieldKind
}

// fold is a wildcard pattern or fuzzy term v as field's terms are written: lowercase,
// but for a keyword field's, which keep their case; f is nil for the default fields.
func (f *fieldSpec) fold(v string) string {
	if f != nil && f.kind == kindKeyword {
		return v
	}
	return strings.ToLower(v)
}

// queryFields are the field names a query string may use.
var queryFields = func() map[string]fieldSpec {
	m := map[string]fieldSpec{
		"text":          {FieldText, kindText},
		"case_name":     {FieldCaseName, kindText},
		"description":   {FieldDescription, kindText},
		"case":          {FieldCaseName, kindText}, // case:"Zepeda Rivas" is a phrase of the name
		"court":         {FieldCourt, kindLowerKeyword},
		"docket":        {FieldDocket, kindKeyword},
		"doc_type":      {FieldDocType, kindLowerKeyword},
		"type":          {FieldDocType, kindLowerKeyword},
		"exhibit_label": {FieldExhibitLabel, kindKeyword},
		"source":        {FieldSource, kindLowerKeyword},
		"entity":        {FieldEntity, kindKeyword},
		"filed":         {FieldFiled, kindDate},
		"indexed":       {FieldIndexed, kindDate},
		"entry":         {FieldEntry, kindNumber},
		"pages":         {FieldPages, kindNumber},
		"exhibit":       {FieldExhibit, kindBool},
	}
	for _, t := range search.EntityTypes {
		m[search.FacetEntityPrefix+string(t)] = fieldSpec{EntityField(t), kindKeyword}
		m[EntityField(t)] = fieldSpec{EntityField(t), kindKeyword}
	}
	return m
}()

// fieldNames lists the documented field names for error messages.
const fieldNames = "text, case_name, description, case, court, docket, doc_type, type, exhibit, exhibit_label, source, entity, entity.<type>, filed, indexed, entry, pages"

// textBoosts weighs a match in each text field when a term names no field: a word of the
// case name says more about a document than the same word on page 40.
var textBoosts = []struct {
	field string
	boost float64
}{{FieldText, 1}, {FieldCaseName, 2}, {FieldDescription, 1.5}}

type tokKind int

const (
	tokEOF tokKind = iota
	tokWord
	tokPhrase
	tokLParen
	tokRParen
	tokAnd
	tokOr
	tokNot
	tokPlus
	tokMinus
	tokField // "name:" directly followed by a value
)

type token struct {
	kind tokKind
	pos  int    // byte offset in the query
	raw  string // as typed
	val  string // unescaped (words, phrases) or the field name
	// suffix of a phrase or a group: "^2", "~1"
	suffix    string
	suffixPos int
}

func qerr(pos int, format string, args ...any) *search.QueryError {
	return &search.QueryError{Message: fmt.Sprintf(format, args...), Position: pos}
}

// lex splits s into tokens; an unterminated phrase or a dangling operator is an error.
func lex(s string) ([]token, error) {
	var toks []token
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(':
			toks = append(toks, token{kind: tokLParen, pos: i, raw: "("})
			i++
		case c == ')':
			t := token{kind: tokRParen, pos: i, raw: ")"}
			i++
			t.suffix, t.suffixPos, i = readSuffix(s, i)
			toks = append(toks, t)
		case c == '"':
			start := i
			var b strings.Builder
			i++
			closed := false
			for i < len(s) {
				if s[i] == '\\' && i+1 < len(s) {
					b.WriteByte(s[i+1])
					i += 2
					continue
				}
				if s[i] == '"' {
					closed = true
					i++
					break
				}
				b.WriteByte(s[i])
				i++
			}
			if !closed {
				return nil, qerr(start, "unterminated phrase: missing closing '\"'")
			}
			t := token{kind: tokPhrase, pos: start, raw: s[start:i], val: b.String()}
			t.suffix, t.suffixPos, i = readSuffix(s, i)
			toks = append(toks, t)
		case (c == '+' || c == '-') && (i+1 >= len(s) || isSpace(s[i+1])):
			return nil, qerr(i, "%q is missing what it applies to", string(c))
		case c == '+':
			toks = append(toks, token{kind: tokPlus, pos: i, raw: "+"})
			i++
		case c == '-':
			toks = append(toks, token{kind: tokMinus, pos: i, raw: "-"})
			i++
		case c == '!' && (i+1 >= len(s) || isSpace(s[i+1]) || s[i+1] == '('):
			toks = append(toks, token{kind: tokNot, pos: i, raw: "!"})
			i++
		default:
			start := i
			var b strings.Builder
			for i < len(s) && !isSpace(s[i]) && s[i] != '(' && s[i] != ')' && s[i] != '"' {
				if s[i] == '\\' && i+1 < len(s) {
					b.WriteByte('\\')
					b.WriteByte(s[i+1])
					i += 2
					continue
				}
				if s[i] == ':' {
					// "name:" is a field when name looks like one and something follows.
					name := s[start:i]
					if isFieldName(name) {
						i++
						if i >= len(s) || isSpace(s[i]) || s[i] == ')' {
							return nil, qerr(start, "%q is missing what it applies to", name+":")
						}
						toks = append(toks, token{kind: tokField, pos: start, raw: s[start:i], val: name})
						b.Reset()
						start = i
						if s[i] == '(' || s[i] == '"' {
							break
						}
						continue
					}
				}
				b.WriteByte(s[i])
				i++
			}
			if i == start {
				continue // a field token followed by "(" or a phrase
			}
			raw := s[start:i]
			t := token{kind: tokWord, pos: start, raw: raw, val: b.String()}
			switch raw {
			case "AND", "&&":
				t.kind = tokAnd
			case "OR", "||":
				t.kind = tokOr
			case "NOT":
				t.kind = tokNot
			}
			toks = append(toks, t)
		}
	}
	return append(toks, token{kind: tokEOF, pos: len(s)}), nil
}

// checkParens finds an unbalanced parenthesis before parsing, so that the error names
// the parenthesis rather than the place the parser gave up.
func checkParens(toks []token) error {
	var open []int
	for _, t := range toks {
		switch t.kind {
		case tokLParen:
			open = append(open, t.pos)
		case tokRParen:
			if len(open) == 0 {
				return qerr(t.pos, "unbalanced ')'")
			}
			open = open[:len(open)-1]
		}
	}
	if len(open) > 0 {
		return qerr(open[len(open)-1], "unbalanced '(': missing ')'")
	}
	return nil
}

// readSuffix reads a "^boost" or "~n" directly after a phrase or a group.
func readSuffix(s string, i int) (string, int, int) {
	if i >= len(s) || (s[i] != '^' && s[i] != '~') {
		return "", -1, i
	}
	start := i
	i++
	for i < len(s) && (s[i] == '.' || (s[i] >= '0' && s[i] <= '9')) {
		i++
	}
	return s[start:i], start, i
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func isFieldName(s string) bool {
	if s == "" || !(s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z' || s[0] == '_') {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// Cost limits of one query. A term is cheap; a wildcard, regular expression or fuzzy
// term reads the field's dictionary and becomes a disjunction of every term it matches,
// so a few hundred of them cost seconds and a gigabyte. A query past a limit is refused
// with a QueryError that names the limit and where it was passed.
const (
	// MaxQueryTerms bounds the words and phrases of a query.
	MaxQueryTerms = 64
	// MaxExpandingTerms bounds its wildcards, regular expressions and fuzzy terms.
	MaxExpandingTerms = 8
	// MaxExpansion bounds the terms one of them may match in one field (bleve's
	// DisjunctionMaxClauseCount, set where the index is opened).
	MaxExpansion = 2048
	// maxRegexpBytes bounds a regular expression's source.
	maxRegexpBytes = 128
)

// bleve expands a wildcard, regular expression or fuzzy term into a disjunction of
// the terms it matches, without limit unless this process-wide setting is made; past it
// the search fails with TooManyClauses, which userError turns into the researcher's
// mistake it is.
func init() { searcher.DisjunctionMaxClauseCount = MaxExpansion }

// parser builds a bleve query from tokens.
type parser struct {
	toks []token
	at   int
	m    analysisMapping
	// terms and expanding count what the query has asked for so far (the limits above).
	terms, expanding int
}

// count charges one word or phrase at pos, and one expansion when expands.
func (p *parser) count(pos int, expands bool) error {
	if p.terms++; p.terms > MaxQueryTerms {
		return qerr(pos, "the query has more than %d words and phrases, the most one query may have", MaxQueryTerms)
	}
	if !expands {
		return nil
	}
	if p.expanding++; p.expanding > MaxExpandingTerms {
		return qerr(pos, "the query has more than %d wildcards, regular expressions and fuzzy terms, the most one query may have", MaxExpandingTerms)
	}
	return nil
}

// analysisMapping is the part of the index mapping the parser needs: the analysers, to
// tell a stop word (which the stemmed field does not hold) from a word.
type analysisMapping interface {
	AnalyzerNamed(name string) analysis.Analyzer
}

// node is a parsed clause and its role in a sequence.
type node struct {
	q   query.Query
	mod int // 1 must (+), -1 must not (-, NOT), 0 should
	pos int
}

// ParseQueryString parses a query string into a bleve query over Mapping's fields. An
// empty string matches every document. A malformed one returns a *search.QueryError with
// the byte offset of the mistake.
func ParseQueryString(s string) (query.Query, error) {
	if strings.TrimSpace(s) == "" {
		return bleve.NewMatchAllQuery(), nil
	}
	if !utf8.ValidString(s) {
		return nil, qerr(-1, "the query is not valid UTF-8")
	}
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	if err := checkParens(toks); err != nil {
		return nil, err
	}
	p := &parser{toks: toks, m: defaultMapping}
	n, err := p.seq(nil, 0)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		if t.kind == tokRParen {
			return nil, qerr(t.pos, "unbalanced ')'")
		}
		return nil, qerr(t.pos, "unexpected %q", t.raw)
	}
	return n, nil
}

// defaultMapping supplies analysers to the parser; built once, it is read-only.
var defaultMapping = Mapping()

func (p *parser) peek() token { return p.toks[p.at] }
func (p *parser) next() token { t := p.toks[p.at]; p.at++; return t }

// seq parses juxtaposed clauses up to the end or a closing parenthesis.
func (p *parser) seq(field *fieldSpec, depth int) (query.Query, error) {
	var nodes []node
	for {
		t := p.peek()
		if t.kind == tokEOF || t.kind == tokRParen {
			break
		}
		n, err := p.or(field, depth)
		if err != nil {
			return nil, err
		}
		nodes = append(nodes, n)
	}
	if len(nodes) == 0 {
		return nil, qerr(p.peek().pos, "empty group: nothing to search for")
	}
	if len(nodes) == 1 && nodes[0].mod == 0 {
		return nodes[0].q, nil
	}
	var must, mustNot []query.Query
	for _, n := range nodes {
		if n.mod == -1 {
			mustNot = append(mustNot, n.q)
		} else {
			must = append(must, n.q) // "+x" and a bare "x" alike: AND is the default
		}
	}
	return combine(must, mustNot), nil
}

// combine builds a boolean query: every must clause matches and no must_not clause does;
// must_not alone excludes from everything.
func combine(must, mustNot []query.Query) query.Query {
	b := bleve.NewBooleanQuery()
	if len(must) > 0 {
		b.AddMust(must...)
	}
	if len(mustNot) > 0 {
		b.AddMustNot(mustNot...)
		if len(must) == 0 {
			b.AddMust(bleve.NewMatchAllQuery())
		}
	}
	return b
}

func (p *parser) or(field *fieldSpec, depth int) (node, error) {
	nodes, err := p.chain(tokOr, func() (node, error) { return p.and(field, depth) })
	if err != nil {
		return node{}, err
	}
	if len(nodes) == 1 {
		return nodes[0], nil
	}
	alts := make([]query.Query, len(nodes))
	for i, n := range nodes {
		alts[i] = asQuery(n)
	}
	d := bleve.NewDisjunctionQuery(alts...)
	d.SetMin(1)
	return node{q: d, pos: nodes[0].pos}, nil
}

func (p *parser) and(field *fieldSpec, depth int) (node, error) {
	if t := p.peek(); t.kind == tokAnd || t.kind == tokOr {
		return node{}, qerr(t.pos, "%q is missing what comes before it", t.raw)
	}
	nodes, err := p.chain(tokAnd, func() (node, error) { return p.unary(field, depth) })
	if err != nil {
		return node{}, err
	}
	if len(nodes) == 1 {
		return nodes[0], nil
	}
	var must, mustNot []query.Query
	for _, n := range nodes {
		if n.mod == -1 {
			mustNot = append(mustNot, n.q)
		} else {
			must = append(must, n.q)
		}
	}
	return node{q: combine(must, mustNot), pos: nodes[0].pos}, nil
}

// chain reads `operand op operand op …`, a chain of one binary operator (OR, AND), and
// returns its operands, at least one; an operator with nothing after it is an error.
func (p *parser) chain(op tokKind, operand func() (node, error)) ([]node, error) {
	var nodes []node
	for {
		n, err := operand()
		if err != nil {
			return nil, err
		}
		nodes = append(nodes, n)
		if p.peek().kind != op {
			return nodes, nil
		}
		t := p.next()
		if k := p.peek().kind; k == tokEOF || k == tokRParen || k == tokOr || k == tokAnd {
			return nil, qerr(t.pos, "%q is missing what it applies to", t.raw)
		}
	}
}

// asQuery turns a negated clause inside AND/OR into a query of its own.
func asQuery(n node) query.Query {
	if n.mod == -1 {
		return combine(nil, []query.Query{n.q})
	}
	return n.q
}

func (p *parser) unary(field *fieldSpec, depth int) (node, error) {
	t := p.peek()
	switch t.kind {
	case tokNot, tokMinus, tokPlus:
		p.next()
		if k := p.peek().kind; k == tokEOF || k == tokRParen || k == tokAnd || k == tokOr {
			return node{}, qerr(t.pos, "%q is missing what it applies to", t.raw)
		}
		n, err := p.unary(field, depth)
		if err != nil {
			return node{}, err
		}
		switch t.kind {
		case tokPlus:
			if n.mod == 0 {
				n.mod = 1
			}
		default:
			if n.mod == -1 {
				n.mod = 0 // NOT NOT x
			} else {
				n.mod = -1
			}
		}
		n.pos = t.pos
		return n, nil
	}
	q, err := p.primary(field, depth)
	return node{q: q, pos: t.pos}, err
}

func (p *parser) primary(field *fieldSpec, depth int) (query.Query, error) {
	t := p.next()
	if t.kind == tokField {
		spec, ok := queryFields[t.val]
		if !ok {
			return nil, qerr(t.pos, "unknown field %q (fields: %s)", t.val, fieldNames)
		}
		if field != nil {
			return nil, qerr(t.pos, "field %q inside a group that already names a field", t.val)
		}
		field = &spec
		t = p.next()
	}
	switch t.kind {
	case tokLParen:
		if depth >= maxDepth {
			return nil, qerr(t.pos, "parentheses nested deeper than %d", maxDepth)
		}
		q, err := p.seq(field, depth+1)
		if err != nil {
			return nil, err
		}
		end := p.next()
		if end.kind != tokRParen {
			return nil, qerr(t.pos, "unbalanced '(': missing ')'")
		}
		return withBoost(q, end.suffix, end.suffixPos)
	case tokPhrase:
		q, err := p.phrase(field, t)
		if err != nil {
			return nil, err
		}
		return withBoost(q, t.suffix, t.suffixPos)
	case tokWord:
		return p.word(field, t)
	case tokRParen:
		return nil, qerr(t.pos, "unbalanced ')'")
	case tokEOF:
		return nil, qerr(t.pos, "the query ends where a term was expected")
	default:
		return nil, qerr(t.pos, "unexpected %q", t.raw)
	}
}

func withBoost(q query.Query, suffix string, pos int) (query.Query, error) {
	if suffix == "" {
		return q, nil
	}
	if suffix[0] != '^' {
		return nil, qerr(pos, "%q does not apply here: fuzziness applies to single terms", suffix)
	}
	b, err := parseBoost(suffix[1:], pos)
	if err != nil {
		return nil, err
	}
	if bq, ok := q.(query.BoostableQuery); ok {
		bq.SetBoost(b)
	}
	return q, nil
}

func parseBoost(s string, pos int) (float64, error) {
	if s == "" {
		return 0, qerr(pos, "'^' needs a boost number, like ^2")
	}
	b, err := strconv.ParseFloat(s, 64)
	if err != nil || b < 0 || b > 1000 {
		return 0, qerr(pos, "boost %q is not a number between 0 and 1000", s)
	}
	return b, nil
}

// phrase matches the words of a phrase in order: on the unstemmed twin of a text field,
// as one value of a keyword field.
func (p *parser) phrase(field *fieldSpec, t token) (query.Query, error) {
	if t.suffix != "" && t.suffix[0] == '~' {
		return nil, qerr(t.suffixPos, "phrase slop (%s) is not supported", t.suffix)
	}
	if err := p.count(t.pos, false); err != nil {
		return nil, err
	}
	if field == nil {
		alts := make([]query.Query, 0, len(textBoosts))
		for _, f := range textBoosts {
			q := exactPhrase(f.field, t.val)
			q.SetBoost(f.boost)
			alts = append(alts, q)
		}
		return bleve.NewDisjunctionQuery(alts...), nil
	}
	switch field.kind {
	case kindText:
		return exactPhrase(field.name, t.val), nil
	default:
		return p.value(field, t.val, t.pos+1, t.pos)
	}
}

// word parses one word: a term, wildcard, regexp, fuzzy term, range or boosted term.
func (p *parser) word(field *fieldSpec, t token) (query.Query, error) {
	v := t.val
	var boost *float64
	if i := lastUnescaped(v, '^'); i >= 0 {
		b, err := parseBoost(v[i+1:], t.pos+i)
		if err != nil {
			return nil, err
		}
		boost, v = &b, v[:i]
	}
	fuzzy := -1
	if i := lastUnescaped(v, '~'); i >= 0 && i > 0 {
		n := 1
		if rest := v[i+1:]; rest != "" {
			f, err := strconv.ParseFloat(rest, 64)
			if err != nil || f < 0 || f != float64(int(f)) {
				return nil, qerr(t.pos+i, "fuzziness %q is not 0, 1 or 2", rest)
			}
			n = int(f)
		}
		if n > 2 {
			return nil, qerr(t.pos+i, "fuzziness %d is more than 2, the most bleve allows", n)
		}
		fuzzy, v = n, v[:i]
	}
	if v == "" {
		return nil, qerr(t.pos, "%q has no term", t.raw)
	}
	isRegexp := len(v) >= 2 && v[0] == '/' && v[len(v)-1] == '/'
	if isRegexp && len(v)-2 > maxRegexpBytes {
		return nil, qerr(t.pos, "the regular expression is %d bytes; at most %d are allowed", len(v)-2, maxRegexpBytes)
	}
	if err := p.count(t.pos, fuzzy > 0 || isRegexp || hasWildcard(v)); err != nil {
		return nil, err
	}
	q, err := p.term(field, v, fuzzy, t.pos)
	if err != nil {
		return nil, err
	}
	if boost != nil {
		if bq, ok := q.(query.BoostableQuery); ok {
			bq.SetBoost(*boost)
		}
	}
	return q, nil
}

func lastUnescaped(s string, c byte) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == c && (i == 0 || s[i-1] != '\\') {
			return i
		}
	}
	return -1
}

// unescape removes query-string escapes: \: stands for ':'.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func hasWildcard(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			continue
		}
		if s[i] == '*' || s[i] == '?' {
			return true
		}
	}
	return false
}

func (p *parser) term(field *fieldSpec, v string, fuzzy, pos int) (query.Query, error) {
	if len(v) > 1 && (v[0] == '>' || v[0] == '<') {
		if field == nil {
			return nil, qerr(pos, "a range needs a field, like filed:>=2024-01-01")
		}
		return p.rangeQuery(field, v, pos)
	}
	isRegexp := len(v) >= 2 && v[0] == '/' && v[len(v)-1] == '/'
	if isRegexp {
		re := v[1 : len(v)-1]
		if _, err := syntax.Parse(re, syntax.Perl); err != nil {
			return nil, qerr(pos, "bad regular expression: %v", err)
		}
		if _, err := vregexp.New(re); err != nil {
			return nil, qerr(pos, "unsupported regular expression: %v", err)
		}
		return onFields(field, func(f string) query.Query {
			q := bleve.NewRegexpQuery(re)
			q.SetField(f)
			return q
		}, pos)
	}
	if hasWildcard(v) {
		if strings.Trim(v, "*?") == "" {
			return nil, qerr(pos, "a wildcard needs at least one letter")
		}
		pat := field.fold(v)
		return onFields(field, func(f string) query.Query {
			q := bleve.NewWildcardQuery(pat)
			q.SetField(f)
			return q
		}, pos)
	}
	v = unescape(v)
	if fuzzy >= 0 {
		term := field.fold(v)
		return onFields(field, func(f string) query.Query {
			q := bleve.NewFuzzyQuery(term)
			q.SetFuzziness(fuzzy)
			q.SetField(f)
			return q
		}, pos)
	}
	if field == nil {
		alts := make([]query.Query, 0, len(textBoosts)+1)
		for _, f := range textBoosts {
			alts = append(alts, p.textTerm(f.field, v, f.boost))
		}
		if strings.ContainsAny(v, ":-") && strings.IndexFunc(v, func(r rune) bool { return r >= '0' && r <= '9' }) >= 0 {
			// A docket number typed bare: also match the docket keyword exactly.
			dq := bleve.NewTermQuery(v)
			dq.SetField(FieldDocket)
			dq.SetBoost(3)
			alts = append(alts, dq)
		}
		return bleve.NewDisjunctionQuery(alts...), nil
	}
	if field.kind == kindText {
		return p.textTerm(field.name, v, 1), nil
	}
	return p.value(field, v, pos, pos)
}

// textTerm matches one typed word in a text field: stemmed, unless the word is a stop
// word (the stemmed field does not hold it) or splits into several tokens ("e-mail",
// "3:20-cv-08570"), which must then stand next to each other.
func (p *parser) textTerm(field, v string, boost float64) query.Query {
	n := len(p.m.AnalyzerNamed(AnalyzerText).Analyze([]byte(v)))
	exactN := len(p.m.AnalyzerNamed(AnalyzerExact).Analyze([]byte(v)))
	if n == 1 && exactN == 1 {
		q := bleve.NewMatchQuery(v)
		q.Analyzer = AnalyzerText
		q.SetField(field)
		q.SetBoost(boost)
		return q
	}
	q := exactPhrase(field, v)
	q.SetBoost(boost)
	return q
}

// exactPhrase matches the words of s in order in the unstemmed twin of a text field. The
// analyser is named, not looked up: bleve resolves a field's analyser by property path,
// and the twin shares its property with the stemmed field, so a lookup would analyse
// the phrase with the stemmer and never match the twin's unstemmed words.
func exactPhrase(field, s string) *PhraseQuery {
	q := bleve.NewMatchPhraseQuery(s)
	q.SetField(field + ExactSuffix)
	q.Analyzer = AnalyzerExact
	return &PhraseQuery{q}
}

// onFields applies a term-level query (wildcard, regexp, fuzzy) to a field: the unstemmed
// twin of a text field, since stems are not words; every text field when none is named.
func onFields(field *fieldSpec, mk func(string) query.Query, pos int) (query.Query, error) {
	if field == nil {
		alts := make([]query.Query, 0, len(textBoosts))
		for _, f := range textBoosts {
			alts = append(alts, mk(f.field+ExactSuffix))
		}
		return bleve.NewDisjunctionQuery(alts...), nil
	}
	switch field.kind {
	case kindText:
		return mk(field.name + ExactSuffix), nil
	case kindKeyword, kindLowerKeyword:
		return mk(field.name), nil
	}
	return nil, qerr(pos, "wildcards, regular expressions and fuzziness apply to text and keyword fields")
}

// value matches one value of a non-text field.
func (p *parser) value(field *fieldSpec, v string, pos, fieldPos int) (query.Query, error) {
	switch field.kind {
	case kindKeyword, kindLowerKeyword:
		if field.kind == kindLowerKeyword {
			v = strings.ToLower(v)
		}
		q := bleve.NewTermQuery(v)
		q.SetField(field.name)
		return q, nil
	case kindBool:
		b, err := strconv.ParseBool(strings.ToLower(v))
		if err != nil {
			return nil, qerr(pos, "%s takes true or false, not %q", field.name, v)
		}
		q := bleve.NewBoolFieldQuery(b)
		q.SetField(field.name)
		return q, nil
	case kindNumber:
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return nil, qerr(pos, "%s takes a number, not %q", field.name, v)
		}
		incl := true
		q := bleve.NewNumericRangeInclusiveQuery(&n, &n, &incl, &incl)
		q.SetField(field.name)
		return q, nil
	case kindDate:
		from, to, err := parseDay(v, pos)
		if err != nil {
			return nil, err
		}
		return dateRange(field.name, from, to), nil
	}
	return nil, qerr(fieldPos, "field %s does not take a value here", field.name)
}

// rangeQuery parses field:>v, >=v, <v, <=v.
func (p *parser) rangeQuery(field *fieldSpec, v string, pos int) (query.Query, error) {
	op := v[:1]
	rest := v[1:]
	if strings.HasPrefix(rest, "=") {
		op += "="
		rest = rest[1:]
	}
	valPos := pos + len(op)
	if rest == "" {
		return nil, qerr(pos, "%q needs a value", op)
	}
	rest = unescape(rest)
	gt, incl := op[0] == '>', len(op) == 2
	switch field.kind {
	case kindDate:
		from, to, err := parseDay(rest, valPos)
		if err != nil {
			return nil, err
		}
		// A date names a span (a day, a month, a year): "> 2023" starts after 2023 ends.
		switch {
		case gt && incl:
			return dateRange(field.name, from, time.Time{}), nil
		case gt:
			return dateRange(field.name, to, time.Time{}), nil
		case incl:
			return dateRange(field.name, time.Time{}, to), nil
		default:
			return dateRange(field.name, time.Time{}, from), nil
		}
	case kindNumber:
		n, err := strconv.ParseFloat(rest, 64)
		if err != nil {
			return nil, qerr(valPos, "%s takes a number, not %q", field.name, rest)
		}
		var q *query.NumericRangeQuery
		if gt {
			q = bleve.NewNumericRangeInclusiveQuery(&n, nil, &incl, nil)
		} else {
			q = bleve.NewNumericRangeInclusiveQuery(nil, &n, nil, &incl)
		}
		q.SetField(field.name)
		return q, nil
	case kindKeyword, kindLowerKeyword:
		if field.kind == kindLowerKeyword {
			rest = strings.ToLower(rest)
		}
		var q *query.TermRangeQuery
		if gt {
			q = bleve.NewTermRangeInclusiveQuery(rest, "", &incl, nil)
		} else {
			q = bleve.NewTermRangeInclusiveQuery("", rest, nil, &incl)
		}
		q.SetField(field.name)
		return q, nil
	}
	return nil, qerr(pos, "field %s does not take a range", field.name)
}

// dateRange matches dates in [from, to); a zero bound is open.
func dateRange(field string, from, to time.Time) query.Query {
	t, f := true, false
	q := bleve.NewDateRangeInclusiveQuery(from, to, &t, &f)
	q.SetField(field)
	return q
}

// parseDay reads a year, a month, a day or an instant, and returns the span it names.
func parseDay(s string, pos int) (from, to time.Time, err error) {
	layouts := []struct {
		layout string
		span   func(time.Time) time.Time
	}{
		{"2006-01-02", func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }},
		{"2006-01", func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }},
		{"2006", func(t time.Time) time.Time { return t.AddDate(1, 0, 0) }},
		{time.RFC3339Nano, func(t time.Time) time.Time { return t.Add(time.Nanosecond) }},
		{"01/02/2006", func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }},
	}
	for _, l := range layouts {
		if t, perr := time.Parse(l.layout, s); perr == nil {
			if t.Year() < 1700 || t.Year() > 2200 {
				return from, to, qerr(pos, "date %q is out of range (years 1700 to 2200)", s)
			}
			return t.UTC(), l.span(t).UTC(), nil
		}
	}
	return from, to, qerr(pos, "%q is not a date: use 2024, 2024-04, 2024-04-15 or 04/15/2024", s)
}

// EntityFilter matches documents naming an entity of a type (any type when empty).
func EntityFilter(t filing.EntityType, name string) query.Query {
	field := FieldEntity
	if t != "" {
		field = EntityField(t)
	}
	q := bleve.NewTermQuery(strings.TrimSpace(name))
	q.SetField(field)
	return q
}
