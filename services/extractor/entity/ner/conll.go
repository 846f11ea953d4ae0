package ner

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// Doc is one annotated document: its sentences, each a run of tokens with one tag each.
// Tags are BIO over the types of Types ("B-PER", "I-ORG", "O").
type Doc struct {
	ID        string
	Sentences []Sentence
}

// Sentence is a run of tokens and their tags.
type Sentence struct {
	Words []string
	Tags  []string
}

// ReadCoNLL reads a CoNLL file (a token per line with its tag in the last column, a blank
// line between sentences, "-DOCSTART-" before each document) in the IO convention of
// data/README.md, and maps its tags onto ours with Convert. name prefixes the documents'
// ids ("wikigold-dev#3").
func ReadCoNLL(r io.Reader, name string) ([]Doc, error) {
	var docs []Doc
	var cur *Doc
	var s Sentence
	flush := func() {
		if len(s.Words) == 0 {
			return
		}
		if cur == nil {
			docs = append(docs, Doc{ID: fmt.Sprintf("%s#%d", name, len(docs))})
			cur = &docs[len(docs)-1]
		}
		cur.Sentences = append(cur.Sentences, Convert(s))
		s = Sentence{}
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for n := 1; sc.Scan(); n++ {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 0:
			flush()
		case f[0] == "-DOCSTART-":
			flush()
			docs = append(docs, Doc{ID: fmt.Sprintf("%s#%d", name, len(docs))})
			cur = &docs[len(docs)-1]
		case len(f) < 2:
			return nil, fmt.Errorf("reading %s line %d: want a token and a tag, got %q", name, n, sc.Text())
		default:
			s.Words = append(s.Words, f[0])
			s.Tags = append(s.Tags, f[len(f)-1])
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	flush()
	out := docs[:0]
	for _, d := range docs {
		if len(d.Sentences) > 0 {
			out = append(out, d)
		}
	}
	return out, nil
}

// Convert maps a sentence tagged in the IO convention (a run of one I- tag is one
// mention) onto our BIO tags and types. The data's conventions differ from docketwatch's
// (see data/ATTRIBUTION.md):
//   - MISC (nationalities, events, works, products) is no type of ours: O.
//   - The SEC set tags the contractual roles "Borrower" and "Lender" as persons; to us a
//     role is no name, as "Plaintiff" is none: a mention that is only role words is O.
//   - It also tags lower-case common nouns ("bank", "the corporation") as organisations:
//     a mention with no capital letter or digit is O.
//   - A place mention that runs over commas ("Santa Clara, California") is one place per
//     comma-separated part, and the street part of an address (a part opening with a
//     number: "3003 Tasman Drive") is no place, as in the filing gold's guidelines.
//   - The SEC set leaves a company's legal form out of its name ("Akamai Technologies",
//     ", Inc." untagged); wikigold and the filing gold keep it in, as docketwatch does
//     (the form tells an organisation): an organisation runs over a legal form that
//     follows it, with its comma.
func Convert(s Sentence) Sentence {
	out := Sentence{Words: s.Words, Tags: make([]string, len(s.Words))}
	for i := 0; i < len(s.Words); {
		typ := ioType(s.Tags[i])
		j := i + 1
		for j < len(s.Words) && ioType(s.Tags[j]) == typ && !strings.HasPrefix(s.Tags[j], "B-") {
			j++
		}
		for k := i; k < j; k++ {
			out.Tags[k] = "O"
		}
		switch typ {
		case "PER", "ORG":
			if keepMention(s.Words[i:j]) {
				if typ == "ORG" {
					j = legalFormEnd(s, j)
				}
				mark(out.Tags[i:j], typ)
			}
		case "LOC":
			for p := i; p < j; {
				q := p
				for q < j && s.Words[q] != "," {
					q++
				}
				if q > p && !startsWithDigit(s.Words[p]) && keepMention(s.Words[p:q]) {
					mark(out.Tags[p:q], typ)
				}
				p = q + 1
			}
		}
		i = j
	}
	return out
}

// ioType is the type of an IO or BIO tag, "" for O and for types we do not keep.
func ioType(tag string) string {
	if len(tag) < 3 || tag[1] != '-' {
		return ""
	}
	switch t := tag[2:]; t {
	case "PER", "ORG", "LOC":
		return t
	}
	return ""
}

func mark(tags []string, typ string) {
	for k := range tags {
		tags[k] = "I-" + typ
	}
	tags[0] = "B-" + typ
}

func keepMention(words []string) bool {
	hasCap, allRoles := false, true
	for _, w := range words {
		if strings.IndexFunc(w, func(r rune) bool { return r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' }) >= 0 {
			hasCap = true
		}
		if !contractRoles[strings.ToLower(w)] {
			allRoles = false
		}
	}
	return hasCap && !allRoles
}

// contractRoles are the roles of a loan agreement's parties, which the SEC set tags as
// persons.
var contractRoles = map[string]bool{"borrower": true, "borrowers": true, "lender": true, "lenders": true}

// legalFormEnd returns the end of an organisation's name ending before word j, over a
// legal form ("Inc", ", L.L.C.") and the dot of its abbreviation that follow, if any.
func legalFormEnd(s Sentence, j int) int {
	k := j
	if k < len(s.Words) && s.Words[k] == "," {
		k++
	}
	if k >= len(s.Words) || ioType(s.Tags[k]) != "" || !CorpSuffixes[strings.ToLower(s.Words[k])] {
		return j
	}
	k++
	if k < len(s.Words) && s.Words[k] == "." && abbrevs[strings.ToLower(s.Words[k-1])] {
		k++
	}
	return k
}

func startsWithDigit(w string) bool { return w != "" && w[0] >= '0' && w[0] <= '9' }

// Detokenize joins a document's words into text as it would be written (no space before
// a comma or after an opening bracket; a line per sentence), and returns each word's
// byte offsets, sentence by sentence.
func Detokenize(d Doc) (string, [][][2]int) {
	var b strings.Builder
	offs := make([][][2]int, len(d.Sentences))
	for si, s := range d.Sentences {
		if si > 0 {
			b.WriteByte('\n')
		}
		offs[si] = make([][2]int, len(s.Words))
		for i, w := range s.Words {
			if i > 0 && !noSpaceBefore(w) && !noSpaceAfter(s.Words[i-1]) {
				b.WriteByte(' ')
			}
			offs[si][i] = [2]int{b.Len(), b.Len() + len(w)}
			b.WriteString(w)
		}
	}
	return b.String(), offs
}

func noSpaceBefore(w string) bool {
	switch w {
	case ",", ".", ";", ":", ")", "]", "?", "!", "'s", "’s", "%", "'", "n't":
		return true
	}
	return false
}

func noSpaceAfter(w string) bool { return w == "(" || w == "[" || w == "$" }

// Mention is a run of words of one type: words [Start, End) of a sentence.
type Mention struct {
	Type       string
	Start, End int
}

// Mentions reads the mentions off BIO tags.
func Mentions(tags []string) []Mention {
	var out []Mention
	for i := 0; i < len(tags); {
		t := ioType(tags[i])
		if t == "" {
			i++
			continue
		}
		j := i + 1
		for j < len(tags) && tags[j] == "I-"+t {
			j++
		}
		out = append(out, Mention{Type: t, Start: i, End: j})
		i = j
	}
	return out
}
