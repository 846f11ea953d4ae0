package ner

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"sync"
	"unicode/utf8"
)

// Tags are the BIO tags the tagger assigns, in the model's order.
var Tags = []string{"O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"}

const numTags = 7

func tagIndex(tag string) int {
	for i, t := range Tags {
		if t == tag {
			return i
		}
	}
	return 0
}

// allowed says whether tag b may follow tag a (a = -1 at the start): an I- tag only
// continues its own type.
func allowed(a, b int) bool { return allowedTable[a+1][b] }

// preds lists, for each tag, the tags it may follow.
var preds = func() (p [numTags][]int) {
	for b := 0; b < numTags; b++ {
		for a := 0; a < numTags; a++ {
			if allowedRule(a, b) {
				p[b] = append(p[b], a)
			}
		}
	}
	return p
}()

var allowedTable = func() (t [numTags + 1][numTags]bool) {
	for a := -1; a < numTags; a++ {
		for b := 0; b < numTags; b++ {
			t[a+1][b] = allowedRule(a, b)
		}
	}
	return t
}()

func allowedRule(a, b int) bool {
	if b == 0 || b%2 == 1 {
		return true
	}
	return a == b || a == b-1
}

// Model is a trained tagger: per hashed feature a weight per tag, and the weights of
// the tag transitions, quantised to 16 bits. It is safe for concurrent use.
type Model struct {
	bits    uint32
	scale   float32
	weights []int16 // (1<<bits) × numTags
	trans   []int16 // (numTags+1) × numTags; row numTags is the start
	// vocab is a bit set of the words seen at least twice in training, by hash: the
	// others are rare, and are tagged by what their rare examples taught.
	vocab wordSet
	// common are the words the training data writes in lower case (seq.common).
	common  wordSet
	version func() string // the file's hash, taken when first asked
}

const magic = "docketwatch-ner/4\n"

// header is the size of what follows the magic line: the table bits, the scale and the
// sum of the gazetteer the model was trained with.
const header = 16

// vocabBits sizes the vocabulary bit set: 2^20 bits, 128 KiB.
const vocabBits = 20

// Version names the model by its content ("ner-1a2b3c4d5e6f").
func (m *Model) Version() string { return m.version() }

// Load reads a model file as WriteTo writes it.
func Load(b []byte) (*Model, error) {
	if !bytes.HasPrefix(b, []byte(magic)) || len(b) < len(magic)+header {
		return nil, errors.New("loading ner model: not a model file")
	}
	p := b[len(magic):]
	m := &Model{bits: binary.LittleEndian.Uint32(p), scale: math.Float32frombits(binary.LittleEndian.Uint32(p[4:]))}
	// The features read the gazetteer: a model trained with another would score with
	// features it never learnt.
	if sum := binary.LittleEndian.Uint64(p[8:]); sum != gazetteerSum() {
		return nil, fmt.Errorf("loading ner model: trained with gazetteer %016x, this build has %016x: run scripts/train-ner", sum, gazetteerSum())
	}
	p = p[header:]
	if m.bits < 8 || m.bits > 24 {
		return nil, fmt.Errorf("loading ner model: table of 2^%d rows", m.bits)
	}
	nt, nw, nv := (numTags+1)*numTags, (1<<m.bits)*numTags, (1<<vocabBits)/64
	if len(p) != 2*(nt+nw)+16*nv {
		return nil, fmt.Errorf("loading ner model: %d bytes of weights; want %d", len(p), 2*(nt+nw)+16*nv)
	}
	all := make([]int16, nt+nw)
	for i := range all {
		all[i] = int16(binary.LittleEndian.Uint16(p[2*i:]))
	}
	m.trans, m.weights = all[:nt], all[nt:]
	p = p[2*(nt+nw):]
	m.vocab, m.common = newWordSet(), newWordSet()
	for i := range m.vocab {
		m.vocab[i] = binary.LittleEndian.Uint64(p[8*i:])
		m.common[i] = binary.LittleEndian.Uint64(p[8*(nv+i):])
	}
	m.version = sync.OnceValue(func() string {
		sum := sha256.Sum256(b)
		return "ner-" + hex.EncodeToString(sum[:6])
	})
	return m, nil
}

// WriteTo writes the model file: a magic line, the table size, the scale, the
// gazetteer's sum, then the
// transition and feature weights, little-endian.
func (m *Model) WriteTo(w io.Writer) (int64, error) {
	b := make([]byte, 0, len(magic)+header+2*(len(m.trans)+len(m.weights))+8*(len(m.vocab)+len(m.common)))
	b = append(b, magic...)
	b = binary.LittleEndian.AppendUint32(b, m.bits)
	b = binary.LittleEndian.AppendUint32(b, math.Float32bits(m.scale))
	b = binary.LittleEndian.AppendUint64(b, gazetteerSum())
	for _, v := range m.trans {
		b = binary.LittleEndian.AppendUint16(b, uint16(v))
	}
	for _, v := range m.weights {
		b = binary.LittleEndian.AppendUint16(b, uint16(v))
	}
	for _, v := range m.vocab {
		b = binary.LittleEndian.AppendUint64(b, v)
	}
	for _, v := range m.common {
		b = binary.LittleEndian.AppendUint64(b, v)
	}
	n, err := w.Write(b)
	return int64(n), err
}

// Span is a name the tagger found: a run of tokens [Start, End) and its type ("PER",
// "ORG", "LOC").
type Span struct {
	Type       string
	Start, End int
}

// Tagger tags sequences with a model, reusing its buffers: one per goroutine.
type Tagger struct {
	m     *Model
	s     seq
	feats []uint32
	emit  []int32
	score []int32
	back  []int8
	words []string
	lines []int
	hot   []bool
	need  []bool
	tags  []int
	spans []Span
	// cache keeps the summed weights of the word features (seq.wordFeatures) of the
	// words met lately, by their lower case's hash, shape and kind: direct-mapped, a
	// word evicting another of its slot.
	cache *wordCache
}

const wordCacheSize = 1 << 12

type wordCache struct {
	keys [wordCacheSize]uint64
	emit [wordCacheSize][numTags]int32
}

// Model is the tagger's model.
func (t *Tagger) Model() *Model { return t.m }

// NewTagger returns a tagger of m.
func (m *Model) NewTagger() *Tagger {
	return &Tagger{m: m, s: seq{common: m.common}, cache: new(wordCache)}
}

// wordEmission returns the summed weights of word i's word features, from the cache
// when the word was met lately.
func (t *Tagger) wordEmission(i int, mask uint32) *[numTags]int32 {
	s := &t.s
	key := uint64(s.hw[i])<<32 | uint64(hashU32(s.shape[i], uint32(s.kind[i])))
	key |= 1 // 0 marks a free slot
	slot := (s.hw[i] ^ s.shape[i]) & (wordCacheSize - 1)
	e := &t.cache.emit[slot]
	if t.cache.keys[slot] == key {
		return e
	}
	t.feats = s.wordFeatures(i, t.feats[:0], !t.m.known(s.hw[i]))
	*e = [numTags]int32{}
	t.sum(e, mask)
	t.cache.keys[slot] = key
	return e
}

// sum adds the weights of the features t.feats to e.
func (t *Tagger) sum(e *[numTags]int32, mask uint32) {
	w := t.m.weights
	for _, f := range t.feats {
		row := (*[numTags]int16)(w[(f&mask)*numTags:])
		// Written out: the loop over the tags was a third of the sum's time.
		e[0] += int32(row[0])
		e[1] += int32(row[1])
		e[2] += int32(row[2])
		e[3] += int32(row[3])
		e[4] += int32(row[4])
		e[5] += int32(row[5])
		e[6] += int32(row[6])
	}
}

// Tag finds the names among text's tokens, in a document of context ctx. The spans are
// valid until the next call.
func (t *Tagger) Tag(text string, toks []Token, ctx Context) []Span {
	t.words, t.lines = t.words[:0], t.lines[:0]
	for _, k := range toks {
		t.words = append(t.words, text[k.Start:k.End])
		t.lines = append(t.lines, k.Line)
	}
	tags := t.tagWords(t.words, t.lines, ctx)
	out := t.spans[:0]
	for i := 0; i < len(tags); {
		if tags[i] == 0 {
			i++
			continue
		}
		typ := (tags[i] + 1) / 2 // B-X and I-X share X's number
		j := i + 1
		for j < len(tags) && tags[j] == 2*typ {
			j++
		}
		out = append(out, Span{Type: Tags[tags[i]][2:], Start: i, End: j})
		i = j
	}
	t.spans = out
	return out
}

// tagWords returns the best tag sequence (indices into Tags) for the words. Only the
// stretches around capitalised words are decoded: a name has one, and a word that is
// neither capitalised nor beside one is O, which saves most of the work on prose.
func (t *Tagger) tagWords(words []string, lines []int, ctx Context) []int {
	n := len(words)
	if n == 0 {
		return nil
	}
	if cap(t.emit) < n*numTags {
		t.emit = make([]int32, n*numTags)
		t.score = make([]int32, n*numTags)
		t.back = make([]int8, n*numTags)
		t.hot = make([]bool, n)
		t.need = make([]bool, n)
	}
	hot, need := t.hot[:n], t.need[:n]
	for i, w := range words {
		c := w[0]
		hot[i] = !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c < utf8.RuneSelf && !(c >= 'A' && c <= 'Z'))
	}
	// A word is decoded when it or a neighbour is capitalised; its features read two
	// words either side.
	inSeg := func(i int) bool { return i >= 0 && i < n && (hot[i] || i > 0 && hot[i-1] || i+1 < n && hot[i+1]) }
	for i := range need {
		need[i] = inSeg(i-2) || inSeg(i-1) || inSeg(i) || inSeg(i+1) || inSeg(i+2)
	}
	t.s.prepare(words, lines, ctx, need)
	if cap(t.tags) < n {
		t.tags = make([]int, n)
	}
	out := t.tags[:n]
	clear(out)
	mask := uint32(1)<<t.m.bits - 1
	for a := 0; a < n; {
		if !inSeg(a) {
			a++
			continue
		}
		b := a + 1
		for b < n && inSeg(b) {
			b++
		}
		emit := t.emit[:(b-a)*numTags]
		for i := a; i < b; i++ {
			e := *t.wordEmission(i, mask)
			t.feats = t.s.contextFeatures(i, t.feats[:0], !t.m.known(t.s.hw[i]))
			t.sum(&e, mask)
			copy(emit[(i-a)*numTags:], e[:])
		}
		start := 0 // after an O
		if a == 0 {
			start = numTags
		}
		viterbiInto(out[a:b], emit, t.m.trans, start, t.score[:(b-a)*numTags], t.back[:(b-a)*numTags])
		a = b
	}
	return out
}

// viterbi returns the best allowed tag sequence under emission and transition scores,
// from the transitions' row start (numTags at a sequence's start, 0 after an O).
func viterbi[W int16 | float64, S int32 | float64](emit []S, trans []W, start int, score []S, back []int8) []int {
	out := make([]int, len(emit)/numTags)
	viterbiInto(out, emit, trans, start, score, back)
	return out
}

// viterbiInto is viterbi writing into out.
func viterbiInto[W int16 | float64, S int32 | float64](out []int, emit []S, trans []W, start int, score []S, back []int8) {
	const minScore = -1 << 30
	n := len(emit) / numTags
	prev := -1
	if start < numTags {
		prev = start
	}
	for k := 0; k < numTags; k++ {
		score[k] = minScore
		if allowed(prev, k) {
			score[k] = emit[k] + S(trans[start*numTags+k])
		}
	}
	for i := 1; i < n; i++ {
		last := score[(i-1)*numTags : i*numTags : i*numTags]
		row := score[i*numTags : (i+1)*numTags : (i+1)*numTags]
		em := emit[i*numTags : (i+1)*numTags : (i+1)*numTags]
		bk := back[i*numTags : (i+1)*numTags : (i+1)*numTags]
		for k := 0; k < numTags; k++ {
			best, arg := S(minScore), 0
			for _, p := range preds[k] {
				if v := last[p] + S(trans[p*numTags+k]); v > best {
					best, arg = v, p
				}
			}
			row[k] = best + em[k]
			bk[k] = int8(arg)
		}
		// Scores are kept relative to the row's best now and then, so that a long
		// page cannot overflow 32 bits.
		if i%128 == 0 {
			top := row[0]
			for k := 1; k < numTags; k++ {
				top = max(top, row[k])
			}
			for k := 0; k < numTags; k++ {
				if row[k] > minScore/2 {
					row[k] -= top
				}
			}
		}
	}
	best := 0
	for k := 1; k < numTags; k++ {
		if score[(n-1)*numTags+k] > score[(n-1)*numTags+best] {
			best = k
		}
	}
	for i := n - 1; i >= 0; i-- {
		out[i] = best
		best = int(back[i*numTags+best])
	}
}

// mentionsOf reads the mentions off tag indices.
func mentionsOf(tags []int) []Mention {
	s := make([]string, len(tags))
	for i, t := range tags {
		s[i] = Tags[t]
	}
	return Mentions(s)
}

// known says whether a word, by the hash of its lower case, is in the vocabulary.
func (m *Model) known(hw uint32) bool { return m.vocab.has(hw) }

// gazetteerSum identifies the embedded gazetteer (word classes and first names
// included): the sum its compiled form records.
func gazetteerSum() uint64 {
	if len(gazetteerBin) < len(gazMagic)+8 {
		return 0
	}
	return binary.LittleEndian.Uint64(gazetteerBin[len(gazMagic):])
}
