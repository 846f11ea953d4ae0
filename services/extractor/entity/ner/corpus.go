package ner

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// Corpus is an annotated data set, document by document: the unit of its
// cross-validation folds.
type Corpus struct {
	Name string
	Docs []DocExamples
}

// DocExamples are one document's training examples.
type DocExamples struct {
	ID       string
	Examples []Example
}

// The corpora the model is trained on, in training order.
const (
	Wikigold = "wikigold-dev"
	SEC      = "sec-filings-train"
	Filings  = "filings"
)

// ReadCorpora reads the training corpora: the CoNLL sets in conllDir
// (wikigold-dev.conll, sec-filings-train.conll) and the filing gold set in goldDir (the
// JSON files of services/extractor/entity/testdata/gold).
func ReadCorpora(conllDir, goldDir string) ([]Corpus, error) {
	var out []Corpus
	for _, name := range []string{Wikigold, SEC} {
		f, err := os.Open(filepath.Join(conllDir, name+".conll"))
		if err != nil {
			return nil, fmt.Errorf("reading corpus %s: %w", name, err)
		}
		docs, err := ReadCoNLL(f, name)
		f.Close()
		if err != nil {
			return nil, err
		}
		c := Corpus{Name: name}
		for _, d := range docs {
			c.Docs = append(c.Docs, DocExamples{ID: d.ID, Examples: Examples([]Doc{d})})
		}
		out = append(out, c)
	}
	gold, err := readGold(goldDir)
	if err != nil {
		return nil, err
	}
	return append(out, gold), nil
}

// goldFile is what the tagger reads of a filing gold file.
type goldFile struct {
	ID    string `json:"id"`
	Pages []struct {
		Number int    `json:"number"`
		Text   string `json:"text"`
	} `json:"pages"`
	Mentions []struct {
		Type       string `json:"type"`
		Page       int    `json:"page"`
		Start, End int
	} `json:"mentions"`
}

// goldTypes maps the filing gold's types onto the tagger's; the others are O.
var goldTypes = map[string]string{"person": "PER", "organization": "ORG", "place": "LOC"}

func readGold(dir string) (Corpus, error) {
	c := Corpus{Name: Filings}
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return c, err
	}
	if len(files) == 0 {
		return c, fmt.Errorf("reading filing gold: no JSON files in %s", dir)
	}
	sort.Strings(files)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return c, fmt.Errorf("reading filing gold: %w", err)
		}
		var g goldFile
		if err := json.Unmarshal(b, &g); err != nil {
			return c, fmt.Errorf("reading filing gold %s: %w", f, err)
		}
		ctx := Context{}
		d := DocExamples{ID: g.ID}
		for _, p := range g.Pages {
			var spans []Span
			for _, m := range g.Mentions {
				if t, ok := goldTypes[m.Type]; ok && m.Page == p.Number {
					spans = append(spans, Span{Type: t, Start: m.Start, End: m.End})
				}
			}
			ex := TextExample(p.Text, spans)
			ctx.Add(ex.Words, ex.Lines)
			d.Examples = append(d.Examples, ex)
		}
		for i := range d.Examples {
			d.Examples[i].Context = ctx
		}
		c.Docs = append(c.Docs, d)
	}
	return c, nil
}

// TextExample tokenizes a text and tags its tokens from mentions given by byte offsets
// (Span.Start and End in bytes): a token inside a mention takes its type.
func TextExample(text string, mentions []Span) Example {
	toks := Tokenize(nil, text)
	ex := Example{Words: make([]string, len(toks)), Lines: make([]int, len(toks)), Tags: make([]string, len(toks))}
	for i, t := range toks {
		ex.Words[i], ex.Lines[i], ex.Tags[i] = text[t.Start:t.End], t.Line, "O"
	}
	for _, m := range mentions {
		first := true
		for i, t := range toks {
			if t.Start >= m.Start && t.End <= m.End {
				if first {
					ex.Tags[i] = "B-" + m.Type
					first = false
				} else {
					ex.Tags[i] = "I-" + m.Type
				}
			}
		}
	}
	return ex
}

// TrainOn learns a model from the corpora's documents, leaving out those skip names
// (nil: none). The examples go in corpus order, then document order.
func TrainOn(corpora []Corpus, skip func(corpus string, doc int) bool, opt TrainOptions) *Model {
	var exs []Example
	for _, c := range corpora {
		for i, d := range c.Docs {
			if skip == nil || !skip(c.Name, i) {
				exs = append(exs, d.Examples...)
			}
		}
	}
	return Train(exs, opt)
}
