package ner

import (
	"flag"
	"os"
	"testing"
	"time"
)

var (
	cv       = flag.Bool("cv", false, "cross-validate the tagger alone over the CoNLL sets")
	cvBits   = flag.Uint("bits", 15, "table bits for -cv")
	cvEpochs = flag.Int("epochs", 8, "epochs for -cv")
	cvOnly   = flag.String("set", "", "only this set for -cv")
	cvRare   = flag.Int("rare", 2, "rare count for -cv")
)

func readSet(tb testing.TB, name string) []Doc {
	tb.Helper()
	f, err := os.Open("data/" + name + ".conll")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	d, err := ReadCoNLL(f, name)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

func TestCrossValidateTagger(t *testing.T) {
	if !*cv {
		t.Skip("-cv not given")
	}
	sets := map[string][]Doc{"wikigold-dev": readSet(t, "wikigold-dev"), "sec-filings-train": readSet(t, "sec-filings-train")}
	for name, docs := range sets {
		if *cvOnly != "" && name != *cvOnly {
			continue
		}
		var tp, fp, fn int
		for k := 0; k < 5; k++ {
			var train, test []Doc
			for i, d := range docs {
				if i%5 == k {
					test = append(test, d)
				} else {
					train = append(train, d)
				}
			}
			for other, od := range sets {
				if other != name {
					train = append(train, od...)
				}
			}
			t0 := time.Now()
			m := Train(Examples(train), TrainOptions{Seed: 1, Bits: uint32(*cvBits), Epochs: *cvEpochs, Rare: *cvRare})
			if k == 0 {
				t.Logf("%s fold %d trained in %v", name, k, time.Since(t0))
			}
			tg := m.NewTagger()
			for _, ex := range Examples(test) {
				pred := mentionsOf(tg.tagWords(ex.Words, ex.Lines, ex.Context))
				gold := map[Mention]bool{}
				for _, g := range Mentions(ex.Tags) {
					gold[g] = true
				}
				for _, p := range pred {
					if gold[p] {
						tp++
						delete(gold, p)
					} else {
						fp++
					}
				}
				fn += len(gold)
			}
		}
		p, r := float64(tp)/float64(tp+fp), float64(tp)/float64(tp+fn)
		t.Logf("%s: P %.3f R %.3f F1 %.3f", name, p, r, 2*p*r/(p+r))
	}
}
