package ner

import (
	"math"
	"math/rand/v2"
	"strings"
)

// Example is one training sequence: words, the line each stands on, and their tags.
type Example struct {
	Words []string
	Lines []int
	Tags  []string
	// Context is the document's (shared by its examples), nil when unknown.
	Context Context
}

// Examples turns annotated documents into examples, a sentence each.
func Examples(docs []Doc) []Example {
	var out []Example
	for _, d := range docs {
		ctx := Context{}
		from := len(out)
		for i, s := range d.Sentences {
			lines := make([]int, len(s.Words))
			for k := range lines {
				lines[k] = i
			}
			ctx.Add(s.Words, lines)
			out = append(out, Example{Words: s.Words, Lines: lines, Tags: s.Tags})
		}
		for i := from; i < len(out); i++ {
			out[i].Context = ctx
		}
	}
	return out
}

// TrainOptions are the knobs of Train. The same examples, in the same order, with the
// same options give the same model, byte for byte.
type TrainOptions struct {
	Bits   uint32 // the feature table has 2^Bits rows; 15 when 0
	Epochs int    // passes over the examples; 8 when 0
	Seed   uint64 // orders the examples of each pass
	// Rare is the count below which a word of the training data is rare: it trains
	// without its spelling, and is not in the vocabulary. 2 when 0.
	Rare int
	// HideLists is the share of the training sentences whose words are not looked up
	// in the lists of names (the gazetteer, first names): most names of the training
	// data are in them, and a model that always saw them would learn that a name
	// missing from them is none. 0.5 when 0; a negative share hides none.
	HideLists float64
	// Orders is the number of perceptrons averaged, each trained over its own order of
	// the examples; 6 when 0.
	Orders int
}

// Train learns a model by the averaged structured perceptron: each example is decoded
// with the current weights, and where the decoding is wrong the gold sequence's
// features gain and the decoded one's lose; the model keeps the weights' average over
// all steps, which generalises far better than the last weights.
func Train(exs []Example, opt TrainOptions) *Model {
	if opt.Bits == 0 {
		opt.Bits = 15
	}
	if opt.Rare == 0 {
		opt.Rare = 2
	}
	if opt.Epochs == 0 {
		opt.Epochs = 8
	}
	if opt.HideLists == 0 {
		opt.HideLists = 0.3
	}
	if opt.Orders == 0 {
		opt.Orders = 6
	}
	freq, lowerFreq := map[string]int{}, map[string]int{}
	for _, ex := range exs {
		for _, w := range ex.Words {
			freq[strings.ToLower(w)]++
			if kindOf(w) == kindLower {
				lowerFreq[w]++
			}
		}
	}
	common := newWordSet()
	for w, n := range lowerFreq {
		if n >= 2 {
			common.add(hashStr(fnvOffset, w))
		}
	}
	// Several perceptrons, each over its own order of the examples and its own
	// sentences with hidden lists, are averaged: one order's model varies with it. Their
	// weights are summed, as the quantisation's scale makes the sum the average.
	nt := (numTags + 1) * numTags
	sum := make([]float64, nt+(1<<opt.Bits)*numTags) // transitions, then features
	for run := uint64(0); run < uint64(opt.Orders); run++ {
		seed := opt.Seed + run*0x9e3779b97f4a7c15
		p := &perceptron{nt: nt, step: 1}
		p.w, p.acc = make([]float64, len(sum)), make([]float64, len(sum))
		data := prepareExamples(exs, opt, freq, common, rand.New(rand.NewPCG(seed, 0x68696465)))
		rng := rand.New(rand.NewPCG(seed, 0x6e6572))
		order := make([]int, len(data))
		for i := range order {
			order[i] = i
		}
		for ep := 0; ep < opt.Epochs; ep++ {
			rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
			for _, di := range order {
				if len(data[di].gold) > 0 {
					p.learn(data[di])
				}
			}
		}
		p.addAverage(sum)
	}
	m := quantise(sum, nt, opt.Bits)
	m.vocab, m.common = newWordSet(), common
	for w, n := range freq {
		if n >= opt.Rare {
			m.vocab.add(hashStr(fnvOffset, w))
		}
	}
	return reload(m)
}

// prepared is an example's features (table rows) and gold tags.
type prepared struct {
	feats [][]uint32
	gold  []int
}

// prepareExamples computes every example's features once, for all the passes. A word
// seen fewer than opt.Rare times trains without its spelling.
func prepareExamples(exs []Example, opt TrainOptions, freq map[string]int, common wordSet, rng *rand.Rand) []prepared {
	mask := uint32(1)<<opt.Bits - 1
	s := seq{common: common}
	data := make([]prepared, len(exs))
	for i, ex := range exs {
		if len(ex.Words) == 0 {
			continue
		}
		s.hide = 0
		if rng.Float64() < opt.HideLists {
			s.hide = nameLists
		}
		s.prepare(ex.Words, ex.Lines, ex.Context, nil)
		p := prepared{feats: make([][]uint32, len(ex.Words)), gold: make([]int, len(ex.Words))}
		for k := range ex.Words {
			fs := s.features(k, nil, freq[s.lower[k]] < opt.Rare)
			for j := range fs {
				fs[j] &= mask
			}
			p.feats[k] = fs
			p.gold[k] = tagIndex(ex.Tags[k])
		}
		data[i] = p
	}
	return data
}

// perceptron is the averaged perceptron's state: the weights w (nt transition weights,
// then numTags per table row), and acc, the sum of each update times its step, from
// which the average follows.
type perceptron struct {
	w, acc      []float64
	nt          int
	step        float64
	emit, score []float64
	back        []int8
}

func (p *perceptron) update(idx int, d float64) {
	p.w[idx] += d
	p.acc[idx] += p.step * d
}

// learn decodes one example and moves the weights towards its gold tags.
func (p *perceptron) learn(ex prepared) {
	n := len(ex.gold)
	if cap(p.emit) < n*numTags {
		p.emit, p.score, p.back = make([]float64, n*numTags), make([]float64, n*numTags), make([]int8, n*numTags)
	}
	e := p.emit[:n*numTags]
	clear(e)
	for k, fs := range ex.feats {
		for _, f := range fs {
			row := p.w[p.nt+int(f)*numTags:]
			for t := 0; t < numTags; t++ {
				e[k*numTags+t] += row[t]
			}
		}
	}
	pred := viterbi(e, p.w[:p.nt], numTags, p.score[:n*numTags], p.back[:n*numTags])
	prevG, prevP := numTags, numTags
	for k := 0; k < n; k++ {
		g, q := ex.gold[k], pred[k]
		if g != q {
			for _, f := range ex.feats[k] {
				p.update(p.nt+int(f)*numTags+g, 1)
				p.update(p.nt+int(f)*numTags+q, -1)
			}
		}
		if g != q || prevG != prevP {
			p.update(prevG*numTags+g, 1)
			p.update(prevP*numTags+q, -1)
		}
		prevG, prevP = g, q
	}
	p.step++
}

// addAverage adds the perceptron's averaged weights to sum: the average over all steps
// is w - acc/step.
func (p *perceptron) addAverage(sum []float64) {
	for i := range p.w {
		sum[i] += p.w[i] - p.acc[i]/p.step
	}
}

// quantise returns a model of weights w (nt transitions, then the features), quantised
// to 16 bits against the largest.
func quantise(w []float64, nt int, bits uint32) *Model {
	maxAbs := 0.0
	for _, v := range w {
		maxAbs = math.Max(maxAbs, math.Abs(v))
	}
	scale := maxAbs / 32767
	if scale == 0 {
		scale = 1
	}
	q := make([]int16, len(w))
	for i, v := range w {
		q[i] = int16(math.Round(v / scale))
	}
	return &Model{bits: bits, scale: float32(scale), trans: q[:nt], weights: q[nt:]}
}

// reload passes a model through its file form, so that a trained model and a loaded one
// are the same, version included.
func reload(m *Model) *Model {
	var b bytesBuffer
	if _, err := m.WriteTo(&b); err != nil {
		panic(err)
	}
	out, err := Load(b)
	if err != nil {
		panic(err)
	}
	return out
}

type bytesBuffer []byte

func (b *bytesBuffer) Write(p []byte) (int, error) { *b = append(*b, p...); return len(p), nil }
