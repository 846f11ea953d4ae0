package wordseg

import (
	"maps"
	"slices"
	"testing"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
)

// BenchmarkTokenize runs bleve's unicode tokenizer and this one on the same real text,
// the filings the tests compare them on, in MB/s. -count runs each n times in a row;
// on a shared machine interleave them with a loop:
//
//	for i in 1 2 3 4; do go test -run '^$' -bench Tokenize ./services/indexer/schema/wordseg/; done
func BenchmarkTokenize(b *testing.B) {
	files := readFilings(b)
	var text []byte
	for _, name := range slices.Sorted(maps.Keys(files)) {
		text = append(append(text, files[name]...), '\n')
	}
	for _, tc := range []struct {
		name string
		tok  analysis.Tokenizer
	}{
		{"bleve", unicode.NewUnicodeTokenizer()},
		{"wordseg", Tokenizer{}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			b.ReportAllocs()
			for b.Loop() {
				tc.tok.Tokenize(text)
			}
		})
	}
}
