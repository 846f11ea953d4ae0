package ner

import (
	"bytes"
	"strings"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/testfile"
)

func TestTokenize(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"Acme's chief, Mr. Roe, sued U.S. Steel Corp. in 2019.", []string{"Acme", "'s", "chief", ",", "Mr.", "Roe", ",", "sued", "U.S.", "Steel", "Corp.", "in", "2019", "."}},
		{"C. R. Bard, Inc. paid $1,000.50", []string{"C.", "R.", "Bard", ",", "Inc.", "paid", "$", "1,000.50"}},
		{"AT&T and O'Neil’s co-counsel", []string{"AT&T", "and", "O'Neil", "’s", "co-counsel"}},
		{"Zürich\nGENÈVE", []string{"Zürich", "GENÈVE"}},
	} {
		toks := Tokenize(nil, tc.text)
		var got []string
		for _, k := range toks {
			got = append(got, tc.text[k.Start:k.End])
		}
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("Tokenize(%q) = %q; want %q", tc.text, got, tc.want)
		}
	}
	if toks := Tokenize(nil, "a\nb\n\nc"); toks[0].Line != 0 || toks[1].Line != 1 || toks[2].Line != 3 {
		t.Errorf("lines %+v; want 0, 1, 3", toks)
	}
}

// TestConvert checks the mapping of the CoNLL sets' conventions onto ours.
func TestConvert(t *testing.T) {
	for _, tc := range []struct {
		name        string
		words, tags string
		want        string
	}{
		{"contract roles are no persons", "the Borrower and Jane Roe", "O I-PER O I-PER I-PER", "O O O B-PER I-PER"},
		{"a lower-case bank is no organisation", "the bank and Bank of Ohio", "O I-ORG O I-ORG I-ORG I-ORG", "O O O B-ORG I-ORG I-ORG"},
		{"an address is its places", "at 3003 Tasman Drive , Santa Clara , California", "O I-LOC I-LOC I-LOC I-LOC I-LOC I-LOC I-LOC I-LOC",
			"O O O O O B-LOC I-LOC O B-LOC"},
		{"MISC is no type", "a Japanese band", "O I-MISC O", "O O O"},
		{"a company keeps its legal form", "Akamai Technologies , Inc . agreed", "I-ORG I-ORG O O O O",
			"B-ORG I-ORG I-ORG I-ORG I-ORG O"},
		{"a legal form without a comma", "Acme Corp signed", "I-ORG O O", "B-ORG I-ORG O"},
		{"no legal form follows", "Acme , Jane Roe", "I-ORG O I-PER I-PER", "B-ORG O B-PER I-PER"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Convert(Sentence{Words: strings.Fields(tc.words), Tags: strings.Fields(tc.tags)})
			if strings.Join(got.Tags, " ") != tc.want {
				t.Errorf("got %s; want %s", strings.Join(got.Tags, " "), tc.want)
			}
		})
	}
}

func TestReadCoNLL(t *testing.T) {
	in := "-DOCSTART- -X- O O\n\nAcme NNP - I-ORG\nsued VBD - O\n\nRoe NNP - I-PER\n\n-DOCSTART- -X- O O\n\nOhio I-LOC\n"
	docs, err := ReadCoNLL(strings.NewReader(in), "t")
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 2 || len(docs[0].Sentences) != 2 || docs[1].Sentences[0].Tags[0] != "B-LOC" {
		t.Fatalf("got %+v; want 2 documents, the first of 2 sentences", docs)
	}
	if _, err := ReadCoNLL(strings.NewReader("Acme\n"), "bad"); err == nil {
		t.Error("a line without a tag: got no error")
	}
}

func TestModelFile(t *testing.T) {
	exs := []Example{{Words: strings.Fields("Jane Roe sued Acme Corp. in Ohio ."), Lines: make([]int, 8),
		Tags: strings.Fields("B-PER I-PER O B-ORG I-ORG O B-LOC O")}}
	m := Train(exs, TrainOptions{Bits: 10, Epochs: 5, Seed: 3, Rare: 1})
	var b bytes.Buffer
	if _, err := m.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	m2, err := Load(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if m2.Version() != m.Version() || !strings.HasPrefix(m.Version(), "ner-") {
		t.Errorf("versions %s and %s; want equal ner- versions", m.Version(), m2.Version())
	}
	text := "Jane Roe sued Acme Corp. in Ohio."
	var got []string
	for _, s := range m2.NewTagger().Tag(text, Tokenize(nil, text), nil) {
		toks := Tokenize(nil, text)
		got = append(got, s.Type+":"+text[toks[s.Start].Start:toks[s.End-1].End])
	}
	if strings.Join(got, ",") != "PER:Jane Roe,ORG:Acme Corp.,LOC:Ohio" {
		t.Errorf("a model trained on one sentence tags it %q", got)
	}
	for _, bad := range [][]byte{nil, []byte("not a model"), b.Bytes()[:b.Len()-1]} {
		if _, err := Load(bad); err == nil {
			t.Errorf("Load of %d bytes: got no error", len(bad))
		}
	}
}

// TestCompiledGazetteer checks that the embedded gazetteer.bin is gazetteer.txt
// compiled with lexicon.go's classes and the first names, and that the table answers for an entry of one word and one of several.
func TestCompiledGazetteer(t *testing.T) {
	txt, clusters := testfile.Read(t, "data/gazetteer.txt"), testfile.Read(t, "data/clusters.txt")
	if !bytes.Equal(CompileGazetteer(string(txt), string(clusters)), gazetteerBin) {
		t.Fatal("data/gazetteer.bin is not data/gazetteer.txt compiled with the classes of lexicon.go, data/firstnames.txt and data/clusters.txt: run scripts/build-clusters")
	}
	for _, tc := range []struct {
		words []string
		want  uint32
	}{
		{[]string{"France"}, gazLoc},
		{[]string{"United", "States"}, gazLoc},
		{[]string{"United"}, gazPrefix},
	} {
		h := uint32(fnvOffset)
		for _, w := range tc.words {
			h = hashStr(h, strings.ToLower(w))
		}
		if got := gazetteers().get(h); got&tc.want == 0 {
			t.Errorf("%q has classes %b; want %b among them", tc.words, got, tc.want)
		}
	}
}

// TestPhrases checks that gazetteer entries are matched as phrases, longest first,
// only from and to capitalised words of one line.
func TestPhrases(t *testing.T) {
	for _, tc := range []struct {
		text string
		want string // per word: -, or its place in a place's name
	}{
		{"flights from the United States to Sri Lanka", "- - - B L - B L"},
		{"the united states of mind", "- - - - -"},
		{"Paris\nFrance", "U U"},
		{"New York City officials", "B I L -"},
		{"in Rio de Janeiro", "- B I L"},
	} {
		t.Run(tc.text, func(t *testing.T) {
			var s seq
			words, lines := textWords(tc.text)
			s.prepare(words, lines, nil, nil)
			var got []string
			for _, ph := range s.phrase {
				if ph == 0 {
					got = append(got, "-")
					continue
				}
				pos := "?"
				if ph>>3&uint8(gazLoc/gazLoc) != 0 {
					pos = string("-BILU"[ph&7])
				}
				got = append(got, pos)
			}
			if strings.Join(got, " ") != tc.want {
				t.Errorf("got %s; want %s", strings.Join(got, " "), tc.want)
			}
		})
	}
}

func textWords(text string) ([]string, []int) {
	toks := Tokenize(nil, text)
	words, lines := make([]string, len(toks)), make([]int, len(toks))
	for i, k := range toks {
		words[i], lines[i] = text[k.Start:k.End], k.Line
	}
	return words, lines
}

// TestWordCache checks that the tagger's cached sums of the word features, with the
// context features, add up to the weights of all the features of each word.
func TestWordCache(t *testing.T) {
	exs := []Example{{Words: strings.Fields("Jane Roe sued Acme Corp. in Ohio ."), Lines: make([]int, 8),
		Tags: strings.Fields("B-PER I-PER O B-ORG I-ORG O B-LOC O")}}
	m := Train(exs, TrainOptions{Bits: 10, Epochs: 5, Seed: 3, Rare: 1})
	tg := m.NewTagger()
	mask := uint32(1)<<m.bits - 1
	text := "Jane Roe met Acme Corp. in Ohio, and Roe sued ACME in OHIO; Jane Roe won."
	words, lines := textWords(text)
	for pass := 0; pass < 2; pass++ { // cold, then warm
		tg.s.prepare(words, lines, Context{}, nil)
		for i := range words {
			rare := !m.known(tg.s.hw[i])
			got := *tg.wordEmission(i, mask)
			tg.feats = tg.s.contextFeatures(i, tg.feats[:0], rare)
			tg.sum(&got, mask)
			var want [numTags]int32
			tg.feats = tg.s.features(i, tg.feats[:0], rare)
			tg.sum(&want, mask)
			if got != want {
				t.Fatalf("pass %d, %q: cached %v; want %v", pass, words[i], got, want)
			}
		}
	}
}
