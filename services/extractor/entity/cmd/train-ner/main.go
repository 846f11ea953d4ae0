// Command train-ner trains the entity recogniser's tagger (package ner) on the corpora
// of ner/data and the filing gold set, and writes the model file that package entity
// embeds. The same data, seed and options give the same file, byte for byte.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/docketwatch/docketwatch/services/extractor/entity/ner"
)

func main() {
	conll := flag.String("conll", "services/extractor/entity/ner/data", "folder of the CoNLL corpora")
	gold := flag.String("gold", "services/extractor/entity/testdata/gold", "folder of the filing gold set")
	out := flag.String("out", "services/extractor/entity/data/ner.model", "model file to write")
	seed := flag.Uint64("seed", 1, "seed of the example order")
	epochs := flag.Int("epochs", 8, "passes over the examples")
	bits := flag.Uint("bits", 15, "the feature table has 2^bits rows")
	flag.Parse()
	if err := run(*conll, *gold, *out, ner.TrainOptions{Seed: *seed, Epochs: *epochs, Bits: uint32(*bits)}); err != nil {
		fmt.Fprintln(os.Stderr, "train-ner:", err)
		os.Exit(1)
	}
}

func run(conll, gold, out string, opt ner.TrainOptions) error {
	t0 := time.Now()
	corpora, err := ner.ReadCorpora(conll, gold)
	if err != nil {
		return err
	}
	m := ner.TrainOn(corpora, nil, opt)
	var b bytes.Buffer
	if _, err := m.WriteTo(&b); err != nil {
		return fmt.Errorf("writing model: %w", err)
	}
	if err := os.WriteFile(out, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("writing model: %w", err)
	}
	for _, c := range corpora {
		n := 0
		for _, d := range c.Docs {
			for _, e := range d.Examples {
				n += len(e.Words)
			}
		}
		fmt.Printf("%-18s %4d documents %6d tokens\n", c.Name, len(c.Docs), n)
	}
	fmt.Printf("wrote %s: %s, %d bytes, in %v\n", out, m.Version(), b.Len(), time.Since(t0).Round(time.Millisecond))
	return nil
}
