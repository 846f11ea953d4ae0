package ner

import (
	"math/bits"
	"strings"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// A feature is a hash of its template and its values, taken modulo the model's table
// size: no feature dictionary is stored, and collisions cost a little accuracy for a
// small model that loads without parsing.

// Feature templates: each is one input to the hash, so that equal values of two
// templates make two features.
const (
	fBias = iota + 1
	fWord
	fShape
	fPrefix2
	fPrefix3
	fSuffix2
	fSuffix3
	fSuffix4
	fKindInLine
	fPrevWord
	fNextWord
	fPrev2Word
	fNext2Word
	fPrevShapeShape
	fShapeNextShape
	fPrevWordWord
	fWordNextWord
	fGaz
	fNextGaz
	fPrevGaz
	fNext2Gaz
	fKinds
	fKindNextGaz
	fKindPrevGaz
	fWordKind
	fDocCase
	fPhrase
	fPhraseMode
	fCluster4
	fCluster6
	fCluster10
)

// Word kinds by capitalisation.
const (
	kindLower = iota
	kindTitle
	kindCaps
	kindInitial
	kindDigit
	kindOther
	kindNone // before the first word or after the last
)

// Line modes: how the words of a token's line are written. A capitalised word means
// little in an ALL CAPS heading or a Title Case caption, much in prose.
const (
	lineProse = iota
	lineTitle
	lineCaps
)

// seq holds what the features read of each word of a sequence.
type seq struct {
	lower []string
	shape []uint32 // hash of the short shape ("Xx.", "dd")
	kind  []uint8
	gaz   []uint32
	clus  []uint16 // the word's cluster and clusterSet, 0 for none
	mode  []uint8  // the line's mode
	first []bool   // first word of its line
	doc   []uint8  // how the word is written elsewhere in the document (Context)
	hw    []uint32 // hash of lower
	// phrase is the gazetteer entry the word stands in: its classes (gazLoc, gazOrg,
	// gazPer, shifted to bits 3-5) and the word's place in it (phraseB, I, L or U in
	// bits 0-2), 0 for none.
	phrase []uint8
	// common is the set of words the training data writes in lower case: a capitalised
	// word in it is likelier a defined term or a heading's word than a name.
	common wordSet
	// hide are gazetteer classes the features do not see: training hides the lists of
	// names from some sentences (TrainOptions.HideLists).
	hide uint32
	// arena holds lower-case words: a string made from it stays valid, as the arena is
	// only appended to, and a full one is replaced, never reused.
	arena []byte
}

func (s *seq) reset(n int) {
	grow := func(k int) bool { return cap(s.lower) < k }
	if grow(n) {
		*s = seq{lower: make([]string, n), shape: make([]uint32, n), kind: make([]uint8, n), gaz: make([]uint32, n), clus: make([]uint16, n),
			mode: make([]uint8, n), first: make([]bool, n), doc: make([]uint8, n), hw: make([]uint32, n),
			phrase: make([]uint8, n), common: s.common}
		return
	}
	s.hw = s.hw[:n]
	s.lower, s.shape, s.kind, s.gaz, s.mode, s.first = s.lower[:n], s.shape[:n], s.kind[:n], s.gaz[:n], s.mode[:n], s.first[:n]
	s.clus = s.clus[:n]
	s.doc, s.phrase = s.doc[:n], s.phrase[:n]
}

// prepare fills s for words standing on the given lines, in a document of context ctx
// (nil when unknown). need, when not nil, says which words features will be asked of:
// the others get only their kind, which the line modes need.
func (s *seq) prepare(words []string, lines []int, ctx Context, need []bool) {
	s.reset(len(words))
	gz := gazetteers()
	for i, w := range words {
		s.kind[i] = kindOf(w)
		s.first[i] = i == 0 || lines[i] != lines[i-1]
		if need != nil && !need[i] {
			continue
		}
		s.lower[i] = s.toLower(w)
		s.shape[i] = shapeHash(w)
		s.hw[i] = hashStr(fnvOffset, s.lower[i])
		v := gz.get(s.hw[i])
		s.gaz[i], s.clus[i] = v&classMask&^s.hide, uint16(v>>clusterShift)
		s.doc[i] = ctx[s.hw[i]]
		if s.common.has(s.hw[i]) {
			s.doc[i] |= ctxCommon
		}
	}
	s.matchPhrases(lines, need, gz)
	for i := 0; i < len(words); {
		j := i + 1
		for j < len(words) && lines[j] == lines[i] {
			j++
		}
		m := lineMode(s.kind[i:j])
		for k := i; k < j; k++ {
			s.mode[k] = m
		}
		i = j
	}
}

// A word's place in a gazetteer entry.
const (
	phraseB = 1 + iota // first of several
	phraseI
	phraseL // last of several
	phraseU // the entry's only word
)

// matchPhrases marks the longest gazetteer entries of places, organisations and people,
// left to right: an entry starts and ends with a capitalised word of one line.
func (s *seq) matchPhrases(lines []int, need []bool, gz gazTable) {
	clear(s.phrase)
	capital := func(i int) bool { return s.kind[i] == kindTitle || s.kind[i] == kindCaps }
	for i := 0; i < len(s.kind); i++ {
		if !capital(i) || need != nil && !need[i] || s.gaz[i]&(gazPhrase|gazPrefix) == 0 {
			continue
		}
		n, classes := 0, s.gaz[i]&gazPhrase
		if classes != 0 {
			n = 1
		}
		h, v := s.hw[i], s.gaz[i]
		for j := i + 1; v&gazPrefix != 0 && j < len(s.kind) && j-i < MaxGazWords && (need == nil || need[j]) && lines[j] == lines[i]; j++ {
			h = hashStr(h, s.lower[j])
			v = gz.get(h)
			if v&gazPhrase != 0 && capital(j) {
				n, classes = j-i+1, v&gazPhrase
			}
		}
		if n == 0 {
			continue
		}
		c := uint8(classes/gazLoc) << 3
		if n == 1 {
			s.phrase[i] = c | phraseU
			continue
		}
		s.phrase[i] = c | phraseB
		for k := i + 1; k < i+n-1; k++ {
			s.phrase[k] = c | phraseI
		}
		s.phrase[i+n-1] = c | phraseL
		i += n - 1
	}
}

func lineMode(kinds []uint8) uint8 {
	var words, caps, titles int
	for _, k := range kinds {
		switch k {
		case kindLower:
			words++
		case kindTitle:
			words++
			titles++
		case kindCaps:
			words++
			caps++
		}
	}
	switch {
	case words >= 2 && caps*10 >= words*6:
		return lineCaps
	case words >= 2 && (caps+titles)*10 >= words*8:
		return lineTitle
	}
	return lineProse
}

func kindOf(w string) uint8 {
	c := w[0]
	switch {
	case c >= 'a' && c <= 'z':
		return kindLower
	case c >= '0' && c <= '9':
		return kindDigit
	case c >= 'A' && c <= 'Z':
		// An ASCII word is counted byte by byte; another goes through the tables.
		letters, upper := 0, 0
		for i := 0; i < len(w); i++ {
			b := w[i]
			switch {
			case b >= utf8.RuneSelf:
				return kindOfRunes(w)
			case b >= 'A' && b <= 'Z':
				letters++
				upper++
			case b >= 'a' && b <= 'z':
				letters++
			}
		}
		return kindOfCounts(letters, upper)
	case c < utf8.RuneSelf:
		return kindOther
	}
	return kindOfRunes(w)
}

func kindOfRunes(w string) uint8 {
	r, _ := utf8.DecodeRuneInString(w)
	switch {
	case unicode.IsDigit(r):
		return kindDigit
	case unicode.IsLower(r):
		return kindLower
	case !unicode.IsUpper(r):
		return kindOther
	}
	letters, upper := 0, 0
	for _, c := range w {
		if unicode.IsLetter(c) {
			letters++
			if unicode.IsUpper(c) {
				upper++
			}
		}
	}
	return kindOfCounts(letters, upper)
}

func kindOfCounts(letters, upper int) uint8 {
	switch {
	case letters == 1:
		return kindInitial
	case upper == letters:
		return kindCaps
	}
	return kindTitle
}

// shapeHash hashes a word's short shape: X for a capital, x for a small letter, d for a
// digit, the sign itself otherwise, runs of one class written once ("Xx", "X.X.", "dd").
func shapeHash(w string) uint32 {
	h := uint32(fnvOffset)
	var last byte
	n := 0
	for i := 0; i < len(w); i++ {
		c := w[i]
		switch {
		case c >= utf8.RuneSelf:
			return shapeHashRunes(w)
		case c >= 'A' && c <= 'Z':
			c = 'X'
		case c >= 'a' && c <= 'z':
			c = 'x'
		case c >= '0' && c <= '9':
			c = 'd'
		}
		if c == last {
			continue
		}
		last = c
		h = hashRune(h, rune(c))
		if n++; n > 6 {
			break
		}
	}
	return h
}

// shapeHashRunes is shapeHash for a word that is not all ASCII.
func shapeHashRunes(w string) uint32 {
	h := uint32(fnvOffset)
	var last rune = -1
	n := 0
	for _, c := range w {
		switch {
		case unicode.IsUpper(c):
			c = 'X'
		case unicode.IsLower(c):
			c = 'x'
		case unicode.IsDigit(c):
			c = 'd'
		}
		if c == last {
			continue
		}
		last = c
		h = hashRune(h, c)
		if n++; n > 6 {
			break
		}
	}
	return h
}

const (
	fnvOffset = 2166136261
	fnvPrime  = 16777619
)

// hashU32 mixes v into h: one multiply and a shift, as it runs some thirty times a word.
func hashU32(h, v uint32) uint32 {
	h = (h ^ v) * 0x9e3779b1
	return h ^ h>>15
}

func hashRune(h uint32, r rune) uint32 { return hashU32(h, uint32(r)) }

func hashBytes(h uint32, s []byte) uint32 {
	for _, c := range s {
		h ^= uint32(c)
		h *= fnvPrime
	}
	return hashU32(h, 0xff)
}

func hashStr(h uint32, s string) uint32 {
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= fnvPrime
	}
	return hashU32(h, 0xff) // ends the string: ("ab","c") ≠ ("a","bc")
}

// seeds are the templates' hash seeds.
var seeds = func() (s [fCluster10 + 1]uint32) {
	for t := range s {
		s[t] = hashU32(fnvOffset, uint32(t))
	}
	return s
}()

var rareHash = hashStr(fnvOffset, "<rare>")

// word, shape, kind and gaz read position i, outside the sequence included.
func (s *seq) word(i int) string {
	if i < 0 {
		return "<s>"
	}
	if i >= len(s.lower) {
		return "</s>"
	}
	return s.lower[i]
}

// wordHash is the hash of word(i).
func (s *seq) wordHash(i int) uint32 {
	switch {
	case i < 0:
		return 1
	case i >= len(s.hw):
		return 2
	}
	return s.hw[i]
}

func (s *seq) shapeAt(i int) uint32 {
	if i < 0 || i >= len(s.shape) {
		return 1
	}
	return s.shape[i]
}

func (s *seq) kindAt(i int) uint32 {
	if i < 0 || i >= len(s.kind) {
		return kindNone
	}
	return uint32(s.kind[i])
}

func (s *seq) gazAt(i int) uint32 {
	if i < 0 || i >= len(s.gaz) {
		return 0
	}
	return s.gaz[i]
}

// features appends the hashes of word i's features to out. Without its identity (rare),
// a word has no feature of its own spelling: training drops those of the words it saw
// once, so that the model learns what an unseen word's shape and context say, as it
// must for a name it has never met.
func (s *seq) features(i int, out []uint32, rare bool) []uint32 {
	return s.contextFeatures(i, s.wordFeatures(i, out, rare), rare)
}

// wordFeatures appends the features that word i's spelling alone decides (its lower
// case, shape and kind, and so its gazetteer classes): the tagger sums their weights
// once per distinct word (Tagger.wordEmission).
func (s *seq) wordFeatures(i int, out []uint32, rare bool) []uint32 {
	w, hw := s.lower[i], s.hw[i]
	if rare {
		w, hw = "<rare>", rareHash
	}
	out = append(out,
		seeds[fBias],
		hashU32(seeds[fWord], hw),
		hashU32(seeds[fShape], s.shape[i]),
		hashU32(hashU32(seeds[fWordKind], hw), s.kindAt(i)),
	)
	if n := len(w); n >= 4 {
		out = append(out,
			hashStr(seeds[fPrefix2], prefixRunes(w, 2)),
			hashStr(seeds[fPrefix3], prefixRunes(w, 3)),
			hashStr(seeds[fSuffix2], suffixRunes(w, 2)),
			hashStr(seeds[fSuffix3], suffixRunes(w, 3)),
			hashStr(seeds[fSuffix4], suffixRunes(w, 4)),
		)
	}
	for b := s.gaz[i]; b != 0; b &= b - 1 {
		out = append(out, hashU32(seeds[fGaz], uint32(bits.TrailingZeros32(b))))
	}
	// The cluster's prefixes: what a word the training data never saw shares with
	// words it did.
	if c := uint32(s.clus[i]); c&clusterSet != 0 {
		c &^= clusterSet
		out = append(out, hashU32(seeds[fCluster4], c>>(ClusterBits-4)), hashU32(seeds[fCluster6], c>>(ClusterBits-6)),
			hashU32(seeds[fCluster10], c))
	}
	return out
}

// contextFeatures appends the features of word i in its context.
func (s *seq) contextFeatures(i int, out []uint32, rare bool) []uint32 {
	hw := s.hw[i]
	if rare {
		hw = rareHash
	}
	first := uint32(0)
	if s.first[i] {
		first = 1
	}
	prev, next := s.wordHash(i-1), s.wordHash(i+1)
	out = append(out,
		hashU32(hashU32(hashU32(seeds[fKindInLine], s.kindAt(i)), uint32(s.mode[i])), first),
		hashU32(seeds[fPrevWord], prev),
		hashU32(seeds[fNextWord], next),
		hashU32(seeds[fPrev2Word], s.wordHash(i-2)),
		hashU32(seeds[fNext2Word], s.wordHash(i+2)),
		hashU32(hashU32(seeds[fPrevShapeShape], s.shapeAt(i-1)), s.shape[i]),
		hashU32(hashU32(seeds[fShapeNextShape], s.shape[i]), s.shapeAt(i+1)),
		hashU32(hashU32(seeds[fPrevWordWord], prev), hw),
		hashU32(hashU32(seeds[fWordNextWord], hw), next),
		hashU32(hashU32(hashU32(seeds[fKinds], s.kindAt(i-1)), s.kindAt(i)), s.kindAt(i+1)),
		hashU32(hashU32(seeds[fKindNextGaz], s.kindAt(i)), s.gazAt(i+1)),
		hashU32(hashU32(seeds[fKindPrevGaz], s.kindAt(i)), s.gazAt(i-1)),
		hashU32(hashU32(seeds[fDocCase], s.kindAt(i)), uint32(s.doc[i])),
	)
	if ph := s.phrase[i]; ph != 0 {
		out = append(out, hashU32(seeds[fPhrase], uint32(ph)),
			hashU32(hashU32(seeds[fPhraseMode], uint32(ph)), uint32(s.mode[i])))
	}
	for _, g := range [...]struct{ seed, bits uint32 }{
		{seeds[fNextGaz], s.gazAt(i + 1)}, {seeds[fPrevGaz], s.gazAt(i - 1)}, {seeds[fNext2Gaz], s.gazAt(i + 2)},
	} {
		for b := g.bits; b != 0; b &= b - 1 {
			out = append(out, hashU32(g.seed, uint32(bits.TrailingZeros32(b))))
		}
	}
	return out
}

func prefixRunes(w string, n int) string {
	for i := range w {
		if n == 0 {
			return w[:i]
		}
		n--
	}
	return w
}

func suffixRunes(w string, n int) string {
	i := len(w)
	for i > 0 && n > 0 {
		_, sz := utf8.DecodeLastRuneInString(w[:i])
		i -= sz
		n--
	}
	return w[i:]
}

// Context is how each word of a document is written across the document (by its lower
// case): a capitalised word that is also written in lower case is likelier a common
// word in a heading or at a sentence start; one capitalised in mid-sentence elsewhere
// is likelier a name.
// It is keyed by the hash of the word's lower case, as the gazetteers are.
type Context map[uint32]uint8

// Context bits.
const (
	ctxLower  = 1 << iota // written in lower case somewhere
	ctxCapMid             // capitalised, not first on its line
	ctxCaps               // in capitals
	ctxCommon             // a common word: written in lower case in the training data
)

// Add records words and the lines they stand on.
func (c Context) Add(words []string, lines []int) {
	for i, w := range words {
		c.add(w, i > 0 && lines[i] == lines[i-1] && words[i-1] != ".")
	}
}

// AddText records the tokens of a text.
func (c Context) AddText(text string, toks []Token) {
	for i, t := range toks {
		c.add(text[t.Start:t.End], i > 0 && t.Line == toks[i-1].Line && text[toks[i-1].Start:toks[i-1].End] != ".")
	}
}

func (c Context) add(w string, mid bool) {
	var b uint8
	switch kindOf(w) {
	case kindLower:
		b = ctxLower
	case kindTitle:
		if mid {
			b = ctxCapMid
		}
	case kindCaps:
		b = ctxCaps
	default:
		return
	}
	var buf [32]byte
	var h uint32
	if lw, ok := lowerASCII(buf[:0], w); ok {
		h = hashBytes(fnvOffset, lw)
	} else {
		h = hashStr(fnvOffset, strings.ToLower(w))
	}
	c[h] |= b
}

// lowerASCII appends the lower case of an ASCII word to buf; ok is false for another.
func lowerASCII(buf []byte, w string) ([]byte, bool) {
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c >= utf8.RuneSelf {
			return buf, false
		}
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf = append(buf, c)
	}
	return buf, true
}

// toLower is strings.ToLower, with the lower cases of a sequence's ASCII words kept in
// one buffer rather than a string each.
func (s *seq) toLower(w string) string {
	hasUpper := false
	for i := 0; i < len(w); i++ {
		if c := w[i]; c >= 'A' && c <= 'Z' {
			hasUpper = true
		} else if c >= utf8.RuneSelf {
			return strings.ToLower(w)
		}
	}
	if !hasUpper {
		return w
	}
	if cap(s.arena)-len(s.arena) < len(w) {
		s.arena = make([]byte, 0, max(4096, 2*len(w)))
	}
	at := len(s.arena)
	s.arena, _ = lowerASCII(s.arena, w)
	b := s.arena[at:]
	return unsafe.String(&b[0], len(b))
}

// wordSet is a set of words by the hash of their lower case, a bit each.
type wordSet []uint64

func newWordSet() wordSet { return make(wordSet, (1<<vocabBits)/64) }

func (w wordSet) add(hw uint32) {
	k := hw & (1<<vocabBits - 1)
	w[k/64] |= 1 << (k % 64)
}

func (w wordSet) has(hw uint32) bool {
	if w == nil {
		return false
	}
	k := hw & (1<<vocabBits - 1)
	return w[k/64]&(1<<(k%64)) != 0
}
