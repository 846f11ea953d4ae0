// Command build-clusters writes the tagger's word clusters (ner/data/clusters.txt) from
// unlabelled English text: the court corpus (PDF text by pdftotext, HTML and XML without
// their tags, the strings of JSON files), less every document of the filing gold set
// (testdata/gold, by its source path and by shared text, so that no test text is read
// even unlabelled), and the permissively licensed or public-domain prose of Debian
// packages that scripts/build-clusters installs (ner/data/ATTRIBUTION.md names them and
// their licences; no GPL or GFDL text). The annotated sets the tagger is scored on are
// not read.
//
// A word is described by the two words on either side of it (positive pointwise
// mutual information with the most frequent words) and by how it is capitalised; the
// words are split in two by spherical 2-means, each half again, to a depth of 10, so
// that a word's cluster is a path of 10 bits whose prefixes are coarser clusters, as
// Brown clusters' are. The same inputs give the same file.
package main

import (
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"html"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/docketwatch/docketwatch/services/extractor/entity/ner"
)

func main() {
	corpus := flag.String("corpus", "", "the court corpus folder")
	gold := flag.String("gold", "services/extractor/entity/testdata/gold", "the filing gold set, whose documents are left out")
	dicts := flag.String("dictd", "", "dictd .dict.dz files, comma-separated (markup is dropped)")
	plain := flag.String("text", "", "plain text or HTML files or folders, comma-separated (HTML tags are dropped)")
	wordnet := flag.String("wordnet", "", "WordNet data.* files, comma-separated (their glosses are read)")
	minCount := flag.Int("min-count", 5, "fewest occurrences of a clustered word")
	maxWords := flag.Int("max-words", 40000, "most words clustered (the most frequent)")
	out := flag.String("out", "services/extractor/entity/ner/data/clusters.txt", "file to write")
	flag.Parse()
	c := newCounter()
	if err := run(c, *corpus, *gold, *dicts, *plain, *wordnet); err != nil {
		fmt.Fprintln(os.Stderr, "build-clusters:", err)
		os.Exit(1)
	}
	words := c.vocabulary(*minCount, *maxWords)
	paths := cluster(c, words, ner.ClusterBits)
	var b strings.Builder
	b.WriteString("# word clusters: cmd/build-clusters; a path of bits and a lower-cased word a line\n")
	order := make([]int, len(words))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(i, j int) bool { return words[order[i]] < words[order[j]] })
	for _, i := range order {
		fmt.Fprintf(&b, "%0*b\t%s\n", ner.ClusterBits, paths[i], words[i])
	}
	if err := write(*out, b.String()); err != nil {
		fmt.Fprintln(os.Stderr, "build-clusters:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "build-clusters: %d tokens read, %d documents left out, %d words clustered\n", c.tokens, c.skipped, len(words))
}

// write writes the clusters and compiles them, with gazetteer.txt beside them, into
// gazetteer.bin, the table the binary embeds.
func write(file, clusters string) error {
	if err := os.WriteFile(file, []byte(clusters), 0o644); err != nil {
		return err
	}
	dir := filepath.Dir(file)
	gaz, err := os.ReadFile(filepath.Join(dir, "gazetteer.txt"))
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "gazetteer.bin"), ner.CompileGazetteer(string(gaz), string(clusters)), 0o644)
}

func run(c *counter, corpus, gold, dicts, plain, wordnet string) error {
	if corpus != "" {
		ex, err := readGold(gold)
		if err != nil {
			return err
		}
		if err := readCorpus(c, corpus, ex); err != nil {
			return err
		}
	}
	for _, f := range split(dicts) {
		b, err := readGzip(f)
		if err != nil {
			return err
		}
		c.add(markup.ReplaceAllString(string(b), " "))
	}
	for _, f := range split(plain) {
		err := filepath.WalkDir(f, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || strings.HasSuffix(p, ".dat") {
				return err
			}
			if d.Type()&fs.ModeSymlink != 0 {
				return nil // a symbolic link repeats the file it names
			}
			// HTML documentation is read without its tags, text files (.txt, .md or no
			// extension) as they are; a documentation folder's images, style sheets and
			// archives are skipped.
			var text string
			switch strings.ToLower(filepath.Ext(p)) {
			case ".html", ".htm":
				text, err = docText(p)
			case ".txt", ".md", "":
				var b []byte
				b, err = os.ReadFile(p)
				text = string(b)
			default:
				return nil
			}
			if err != nil {
				return err
			}
			c.add(text)
			return nil
		})
		if err != nil {
			return err
		}
	}
	for _, f := range split(wordnet) {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		var g strings.Builder
		for _, line := range strings.Split(string(b), "\n") {
			if i := strings.Index(line, " | "); i >= 0 && !strings.HasPrefix(line, "  ") {
				g.WriteString(line[i+3:])
				g.WriteByte('\n')
			}
		}
		c.add(g.String())
	}
	return nil
}

func split(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// markup is a tag (<hw>, </p>) or a cross-reference's braces of the dictionaries.
var markup = regexp.MustCompile(`<[^<>\n]{0,80}>|[{}]`)

func readGzip(f string) ([]byte, error) {
	r, err := os.Open(f)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	z, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f, err)
	}
	return io.ReadAll(z)
}

// excluded is what identifies the filing gold's documents: their source files (by the
// path without its extension, as a docket's HTML and its parsed JSON hold the same text)
// and their text's runs of eight words.
type excluded struct {
	stems    []string
	shingles map[string]bool
}

func readGold(dir string) (excluded, error) {
	ex := excluded{shingles: map[string]bool{}}
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		return ex, fmt.Errorf("no filing gold in %s", dir)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return ex, err
		}
		var g struct {
			Source struct{ Path string }   `json:"source"`
			Pages  []struct{ Text string } `json:"pages"`
		}
		if err := json.Unmarshal(b, &g); err != nil {
			return ex, fmt.Errorf("%s: %w", f, err)
		}
		p := g.Source.Path
		// "dir/ (a, b .json)" names several files of one folder.
		if i := strings.Index(p, "("); i >= 0 {
			d := strings.TrimSpace(p[:i])
			for _, s := range strings.FieldsFunc(p[i+1:], func(r rune) bool { return r == ',' || r == ')' }) {
				s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), ".json"))
				if s != "" && s != ".json" {
					ex.stems = append(ex.stems, d+s)
				}
			}
		} else if p != "" {
			ex.stems = append(ex.stems, strings.TrimSuffix(p, filepath.Ext(p)))
		}
		for _, pg := range g.Pages {
			for _, s := range shingles(pg.Text) {
				ex.shingles[s] = true
			}
		}
	}
	return ex, nil
}

func shingles(text string) []string {
	w := strings.Fields(strings.ToLower(text))
	var out []string
	for i := 0; i+8 <= len(w); i++ {
		out = append(out, strings.Join(w[i:i+8], " "))
	}
	return out
}

// readCorpus reads the corpus's documents less the gold set's: one named by a gold
// source, or sharing more than 3 runs of eight words with the gold text.
func readCorpus(c *counter, dir string, ex excluded) error {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		return err
	}
	sort.Strings(files)
	for _, f := range files {
		stem := strings.TrimSuffix(f, filepath.Ext(f))
		skip := false
		for _, s := range ex.stems {
			if strings.HasSuffix(stem, "/"+s) {
				skip = true
			}
		}
		if skip {
			c.skipped++
			continue
		}
		text, err := docText(f)
		if err != nil {
			return err
		}
		shared := 0
		for _, s := range shingles(text) {
			if ex.shingles[s] {
				shared++
			}
		}
		if shared > 3 {
			c.skipped++
			continue
		}
		c.add(text)
	}
	return nil
}

var script = regexp.MustCompile(`(?is)<(script|style)[^>]*>.*?</(script|style)>`)
var tag = regexp.MustCompile(`<[^>]*>`)

// docText is a corpus file's text: none for an image or an archive.
func docText(f string) (string, error) {
	switch strings.ToLower(filepath.Ext(f)) {
	case ".pdf":
		out, err := exec.Command("pdftotext", "-q", "-enc", "UTF-8", f, "-").Output()
		if err != nil {
			return "", nil // a PDF pdftotext cannot read has no text for us
		}
		return string(out), nil
	case ".html", ".xml", ".htm":
		b, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		s := script.ReplaceAllString(string(b), " ")
		return html.UnescapeString(tag.ReplaceAllString(s, "\n")), nil
	case ".json":
		b, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		var v any
		if json.Unmarshal(b, &v) != nil {
			return "", nil
		}
		var sb strings.Builder
		jsonStrings(v, &sb)
		return sb.String(), nil
	case ".txt", ".md":
		b, err := os.ReadFile(f)
		return string(b), err
	}
	return "", nil
}

// jsonStrings writes the strings of a JSON value of more than one word, a line each.
func jsonStrings(v any, sb *strings.Builder) {
	switch v := v.(type) {
	case string:
		if strings.Contains(v, " ") {
			sb.WriteString(v)
			sb.WriteByte('\n')
		}
	case []any:
		for _, e := range v {
			jsonStrings(e, sb)
		}
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			jsonStrings(v[k], sb)
		}
	}
}

// counter counts words, their neighbours and their capitalisation.
type counter struct {
	ids    map[string]int32
	words  []string
	count  []int
	capMid []int            // capitalised, not first on its line
	caps   []int            // in capitals
	pairs  map[[3]int32]int // (word, neighbour, side): sides 0-3 are the word before, after, two before, two after
	tokens int
	// skipped counts the corpus documents left out as the gold set's.
	skipped int
}

func newCounter() *counter {
	c := &counter{ids: map[string]int32{}, pairs: map[[3]int32]int{}}
	c.id("<s>")
	return c
}

func (c *counter) id(w string) int32 {
	if i, ok := c.ids[w]; ok {
		return i
	}
	i := int32(len(c.words))
	c.ids[w] = i
	c.words = append(c.words, w)
	c.count, c.capMid, c.caps = append(c.count, 0), append(c.capMid, 0), append(c.caps, 0)
	return i
}

// add counts a text's words, each line a sequence.
func (c *counter) add(text string) {
	toks := ner.Tokenize(nil, text)
	ids := make([]int32, len(toks))
	for i, t := range toks {
		w := text[t.Start:t.End]
		ids[i] = c.id(strings.ToLower(w))
		c.count[ids[i]]++
		c.tokens++
		first := i == 0 || toks[i-1].Line != t.Line
		r := w[0]
		switch {
		case len(w) > 1 && strings.ToUpper(w) == w && strings.ToLower(w) != w:
			c.caps[ids[i]]++
		case r >= 'A' && r <= 'Z' && !first:
			c.capMid[ids[i]]++
		}
	}
	for i := range toks {
		for side, off := range [...]int{-1, 1, -2, 2} {
			nb := int32(0) // "<s>": the line's edge
			if j := i + off; j >= 0 && j < len(toks) && toks[j].Line == toks[i].Line {
				nb = ids[j]
			}
			c.pairs[[3]int32{ids[i], nb, int32(side)}]++
		}
	}
}

// vocabulary is the words to cluster: those of at least min occurrences with a letter,
// the max most frequent, ties by the word.
func (c *counter) vocabulary(min, max int) []string {
	var out []string
	for i, w := range c.words {
		if i > 0 && c.count[i] >= min && strings.ContainsFunc(w, func(r rune) bool { return r >= 'a' && r <= 'z' || r > 127 }) {
			out = append(out, w)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := c.count[c.ids[out[i]]], c.count[c.ids[out[j]]]
		return a > b || a == b && out[i] < out[j]
	})
	if len(out) > max {
		out = out[:max]
	}
	return out
}

// contextWords is how many of the most frequent words serve as context, left and right.
const contextWords = 1000

// contextSides are the neighbours a word is described by: one and two words either side.
const contextSides = 4

// vector is a sparse vector: dimensions, ascending, and values.
type vector struct {
	dim []int32
	val []float64
}

// cluster returns each word's path of depth bits.
func cluster(c *counter, words []string, depth int) []uint32 {
	// The context dimensions: "<s>" and the most frequent words, on each side.
	byCount := make([]int32, len(c.words))
	for i := range byCount {
		byCount[i] = int32(i)
	}
	sort.Slice(byCount, func(i, j int) bool {
		a, b := c.count[byCount[i]], c.count[byCount[j]]
		return a > b || a == b && c.words[byCount[i]] < c.words[byCount[j]]
	})
	ctxDim := map[int32]int32{0: 0}
	for _, id := range byCount {
		if len(ctxDim) >= contextWords {
			break
		}
		if _, ok := ctxDim[id]; !ok {
			ctxDim[id] = int32(len(ctxDim))
		}
	}
	row := map[int32]int{}
	for i, w := range words {
		row[c.ids[w]] = i
	}
	raw := make([]map[int32]float64, len(words))
	for i := range raw {
		raw[i] = map[int32]float64{}
	}
	var total float64
	colSum := make([]float64, contextSides*contextWords)
	for k, n := range c.pairs {
		r, ok := row[k[0]]
		if !ok {
			continue
		}
		nb, side := k[1], k[2]*contextWords
		d, ok := ctxDim[nb]
		if !ok {
			continue
		}
		raw[r][d+side] += float64(n)
		colSum[d+side] += float64(n)
		total += float64(n)
	}
	vecs := make([]vector, len(words))
	for i, m := range raw {
		var rowSum float64
		for _, v := range m {
			rowSum += v
		}
		var v vector
		dims := make([]int32, 0, len(m))
		for d := range m {
			dims = append(dims, d)
		}
		sort.Slice(dims, func(a, b int) bool { return dims[a] < dims[b] })
		for _, d := range dims {
			if pmi := math.Log(m[d] * total / (rowSum * colSum[d])); pmi > 0 {
				v.dim, v.val = append(v.dim, d), append(v.val, pmi)
			}
		}
		// How the word is written: capitalised in mid-line, in capitals.
		id := c.ids[words[i]]
		n := float64(c.count[id])
		v.dim = append(v.dim, contextSides*contextWords, contextSides*contextWords+1)
		v.val = append(v.val, 3*float64(c.capMid[id])/n, 3*float64(c.caps[id])/n)
		normalise(v.val)
		vecs[i] = v
	}
	paths := make([]uint32, len(words))
	all := make([]int, len(words))
	for i := range all {
		all[i] = i
	}
	rng := rand.New(rand.NewPCG(1, 2))
	bisect(vecs, all, paths, depth, contextSides*contextWords+2, rng)
	return paths
}

func normalise(v []float64) {
	var s float64
	for _, x := range v {
		s += x * x
	}
	if s == 0 {
		return
	}
	s = math.Sqrt(s)
	for i := range v {
		v[i] /= s
	}
}

// bisect splits members in two by spherical 2-means, appending a bit to their paths,
// and recurses until depth bits are set.
func bisect(vecs []vector, members []int, paths []uint32, depth, dims int, rng *rand.Rand) {
	if depth == 0 {
		return
	}
	var left, right []int
	if len(members) >= 2 {
		left, right = twoMeans(vecs, members, dims, rng)
	} else {
		left = members
	}
	for _, m := range right {
		paths[m] |= 1 << (depth - 1)
	}
	bisect(vecs, left, paths, depth-1, dims, rng)
	bisect(vecs, right, paths, depth-1, dims, rng)
}

func twoMeans(vecs []vector, members []int, dims int, rng *rand.Rand) (left, right []int) {
	cent := [2][]float64{make([]float64, dims), make([]float64, dims)}
	a := members[rng.IntN(len(members))]
	b := members[rng.IntN(len(members))]
	for k := 0; a == b && k < 10; k++ {
		b = members[rng.IntN(len(members))]
	}
	for j, d := range vecs[a].dim {
		cent[0][d] = vecs[a].val[j]
	}
	for j, d := range vecs[b].dim {
		cent[1][d] = vecs[b].val[j]
	}
	side := make([]int8, len(members))
	for it := 0; it < 12; it++ {
		changed := 0
		for i, m := range members {
			s := int8(0)
			if dot(vecs[m], cent[1]) > dot(vecs[m], cent[0]) {
				s = 1
			}
			if s != side[i] || it == 0 {
				changed++
			}
			side[i] = s
		}
		for k := range cent {
			clear(cent[k])
		}
		n := [2]int{}
		for i, m := range members {
			n[side[i]]++
			for j, d := range vecs[m].dim {
				cent[side[i]][d] += vecs[m].val[j]
			}
		}
		if n[0] == 0 || n[1] == 0 {
			// One side is empty: split by the order of frequency instead.
			for i := range side {
				side[i] = int8(i * 2 / len(side))
			}
			break
		}
		normalise(cent[0])
		normalise(cent[1])
		if changed == 0 {
			break
		}
	}
	for i, m := range members {
		if side[i] == 0 {
			left = append(left, m)
		} else {
			right = append(right, m)
		}
	}
	return left, right
}

func dot(v vector, c []float64) float64 {
	var s float64
	for j, d := range v.dim {
		s += v.val[j] * c[d]
	}
	return s
}
