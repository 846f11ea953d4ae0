package wordseg

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/registry"
)

// filings are the real texts the tokenizers are compared on: the copies of corpus files
// beside this test (testdata/corpus/README.md) and the filings other packages test with.
var filings = []string{
	"testdata/corpus/*",
	"../../testdata/corpus/*.txt",
	"../../../extractor/pdftext/testdata/golden/*.txt",
}

func readFilings(t testing.TB) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, pattern := range filings {
		paths, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range paths {
			if strings.HasSuffix(p, ".md") {
				continue
			}
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			out[p] = b
		}
	}
	if len(out) < 10 {
		t.Fatalf("found %d filings to compare on, want 10 at least: %v", len(out), filings)
	}
	return out
}

// sameTokens reports how ours differs from bleve's unicode tokenizer on input, or "".
// The terms must be the same slices of the input, not only equal bytes: filters may
// write to them.
func sameTokens(input []byte) string {
	want := unicode.NewUnicodeTokenizer().Tokenize(input)
	got := Tokenizer{}.Tokenize(input)
	for i := range max(len(want), len(got)) {
		if i >= len(want) || i >= len(got) {
			return fmt.Sprintf("%d tokens, want %d; first extra: %v", len(got), len(want), extra(got, want, i))
		}
		w, g := want[i], got[i]
		if w.Start != g.Start || w.End != g.End || w.Position != g.Position || w.Type != g.Type ||
			w.KeyWord != g.KeyWord || string(w.Term) != string(g.Term) {
			return fmt.Sprintf("token %d is %v, want %v", i, g, w)
		}
		if cap(w.Term) != cap(g.Term) || (len(w.Term) > 0 && &w.Term[0] != &g.Term[0]) {
			return fmt.Sprintf("token %d (%q) is not the same slice of the input", i, g.Term)
		}
	}
	return ""
}

func extra(got, want analysis.TokenStream, i int) *analysis.Token {
	if i < len(got) {
		return got[i]
	}
	return want[i]
}

// TestSameOnFilings compares the tokenizers on real filings, whole, from odd offsets
// (inside a UTF-8 sequence too) and line by line.
func TestSameOnFilings(t *testing.T) {
	for path, text := range readFilings(t) {
		if d := sameTokens(text); d != "" {
			t.Errorf("%s: %s", path, d)
		}
		for _, off := range []int{1, 2, 3, 5, 7, 11, 101, 1009} {
			if off < len(text) {
				if d := sameTokens(text[off:]); d != "" {
					t.Errorf("%s from byte %d: %s", path, off, d)
				}
			}
		}
		for i, line := range strings.Split(string(text), "\n") {
			if d := sameTokens([]byte(line)); d != "" {
				t.Errorf("%s:%d: %s", path, i+1, d)
			}
		}
	}
}

// edgeCases are inputs where word rules and chunk borders meet: every ASCII punctuation
// mark the rules name (and a few they do not) between and around letters, digits and
// underscores, non-ASCII letters, marks and quotes beside them, whitespace of every kind,
// and invalid UTF-8.
func edgeCases() []string {
	sides := []string{"", "a", "Z", "1", "_", " ", "é", "’", "\u0301", "\xff", "\xeb", "日"}
	marks := []string{".", ",", ";", ":", "'", "\"", "_", "-", "/", "§", "’", ".'", "..", ",,", "'.", "_.", "._", " ", "\t", "\r\n", "\v", "\f", "\n\n", "\u00ad", "\u200d"}
	var out []string
	for _, x := range sides {
		for _, m := range marks {
			for _, y := range sides {
				out = append(out, x+m+y, x+x+m+y+y, "("+x+m+y+")")
			}
		}
	}
	return append(out,
		"a.b", "1,000.50", "U.S.", "U.S.C. § 1983", "don't", "a:b", "x_1", "3a", "a'1", "1'a", "1:2",
		"a;b", "1;2", "a,b", "_", "__", "_1_", "1_", "_a", "a__b", "1_,2", "a_.b", "a.b.c.", "1.2.3",
		"plaintiff’s motion", "Plaintiffs’ reply", "“quoted”", "— dash —", "¶ 12", "3:20-cv-08570",
		"e-mail", "Nos. 19-1234, 20-5678", "p.m.", "$1,234.56", "12.5%", "id. at 3–4",
		"line one\r\nline two\r\n", "tab\tseparated\vvertical\fform", "a \u0301b", " \u0301\xff x",
		"a \xffb", "a  \xffb", "a\r\n\xffb", "\xebab cd", "\xeba b", "\xeb a b", "x\xf3\xa0\x85 y",
		"abc\xcd def", "x \xcdabc", "a\x00b", "a\x7fb", "", " ", "\n", "\xff", "\xc3", "é",
		"naïve café", "Ünited Státes v. Doe", "שלום\"א", "日本語 text", "ｶﾀｶﾅ", "한국어 a",
		"\U0001F1FA\U0001F1F8 flag", "a\u00adb", "a\u200bb", "a\u2028b", "a\u0085b",
	)
}

func TestSameOnEdgeCases(t *testing.T) {
	for _, in := range edgeCases() {
		if d := sameTokens([]byte(in)); d != "" {
			t.Errorf("%q: %s", in, d)
		}
	}
}

// TestLibraryRules pins what the segment library does with ASCII punctuation between
// letters and digits, the rules scanWord implements; a new library version that
// changes them fails here, as well as in the comparisons.
func TestLibraryRules(t *testing.T) {
	for in, want := range map[string][]string{
		"U.S.":        {"U.S"},
		"1,000.50":    {"1,000.50"},
		"don't":       {"don't"},
		"a:b 1:2":     {"a:b", "1", "2"},
		"a;b 1;2":     {"a", "b", "1;2"},
		"x_1 3a a'1":  {"x_1", "3a", "a", "1"},
		"_ a_.b":      {"_", "a_", "b"},
		"plaintiff’s": {"plaintiff’s"},
		"e-mail":      {"e", "mail"},
	} {
		for _, tok := range []analysis.Tokenizer{unicode.NewUnicodeTokenizer(), Tokenizer{}} {
			var got []string
			for _, tk := range tok.Tokenize([]byte(in)) {
				got = append(got, string(tk.Term))
			}
			if !slices.Equal(got, want) {
				t.Errorf("%T: %q is %q, want %q", tok, in, got, want)
			}
		}
	}
	types := map[string]analysis.TokenType{"1,000.50": analysis.Numeric, "_1_": analysis.Numeric, "_": analysis.AlphaNumeric, "3a": analysis.AlphaNumeric}
	for in, want := range types {
		if got := (Tokenizer{}).Tokenize([]byte(in)); len(got) != 1 || got[0].Type != want {
			t.Errorf("%q: %v, want one token of type %d", in, got, want)
		}
	}
}

func TestRegistered(t *testing.T) {
	tok, err := registry.NewCache().TokenizerNamed(Name)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := tok.(Tokenizer); !ok {
		t.Fatalf("%q is a %T", Name, tok)
	}
}

// FuzzTokenizer compares the tokenizers on arbitrary bytes. Inputs it found that once
// differed are kept under testdata/fuzz/FuzzTokenizer.
func FuzzTokenizer(f *testing.F) {
	for _, in := range edgeCases() {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		if d := sameTokens(input); d != "" {
			t.Errorf("%q: %s", input, d)
		}
	})
}
