package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"

	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/services/extractor"
	"github.com/docketwatch/docketwatch/services/extractor/worker"
)

// extractOutput is what `extract --json` prints for one file.
type extractOutput struct {
	File         string          `json:"file"`
	Engine       string          `json:"engine"`
	Pages        []extractPage   `json:"pages"`
	IsExhibit    bool            `json:"is_exhibit"`
	ExhibitLabel string          `json:"exhibit_label,omitempty"`
	Docket       string          `json:"docket,omitempty"`
	Metadata     extractMeta     `json:"metadata"`
	Entities     []extractEntity `json:"entities"`
}

// extractMeta is the document's metadata as read, each value with its origin
// (filing.Origin: "file_name", "stamp", "caption", "title_block").
type extractMeta struct {
	Court      string                   `json:"court,omitempty"`
	CaseName   string                   `json:"case_name,omitempty"`
	Docket     string                   `json:"docket,omitempty"`
	Entry      int                      `json:"entry,omitempty"`
	Attachment int                      `json:"attachment,omitempty"`
	Filed      string                   `json:"filed,omitempty"`
	Title      string                   `json:"title,omitempty"`
	Type       filing.DocType           `json:"type"`
	Origins    map[string]filing.Origin `json:"origins,omitempty"`
}

func metaOf(doc filing.Document) extractMeta {
	m := extractMeta{Court: doc.Docket.Court, CaseName: doc.Docket.CaseName, Docket: doc.Docket.Number,
		Entry: doc.Entry.Number, Attachment: doc.Attachment, Title: doc.Title, Type: doc.Type, Origins: doc.Origins}
	if !doc.Entry.Filed.IsZero() {
		m.Filed = doc.Entry.Filed.Format("2006-01-02")
	}
	return m
}

type extractPage struct {
	Number     int     `json:"number"`
	Text       string  `json:"text"`
	Engine     string  `json:"engine"`
	OCR        bool    `json:"ocr"`
	Confidence float64 `json:"confidence"`
	Stamp      string  `json:"stamp,omitempty"`
}

type extractEntity struct {
	Type      filing.EntityType `json:"type"`
	Text      string            `json:"text"`
	Canonical string            `json:"canonical"`
	Page      int               `json:"page"`
	Start     int               `json:"start"`
	End       int               `json:"end"`
}

// cmdExtract runs the extractor on files without the pipeline: the same engines, OCR and
// entities as the pipeline uses, in this process confined as the pipeline's extraction
// children are (worker.Local: the command holds nothing else, so it is its own sandbox);
// it stops at the first file that fails.
func cmdExtract(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("extract", flag.ContinueOnError)
	jsonOut := fs.Bool("json", false, "print one JSON object per file")
	var cfg extractor.Config
	cfg.RegisterFlags(fs)
	files, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return badUsage(fs, "extract needs a PDF file")
	}
	// The command's live heap is small and short-lived: at the default pace the collector
	// ran twice more during a one-page extraction, a quarter of its CPU on a loaded
	// machine (after the one package initialisation triggers). The memory cap of the
	// confinement (worker.Local) still bounds what a large PDF makes it hold.
	debug.SetGCPercent(400)
	rec, err := extractor.LoadRecognizer(cfg.Aliases)
	if err != nil {
		return err
	}
	local := worker.NewLocal(extractor.ExtractPDF, worker.Config{Env: extractor.EngineEnv(cfg.Engine, cfg.NoOCR)})
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		pages, eng, err := local.Extract(ctx, data)
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		doc := extractor.Enrich(filing.Document{Blob: &filing.BlobRef{Name: filepath.Base(f)}}, pages)
		out := extractOutput{File: f, Engine: extractor.Version(eng), IsExhibit: doc.Exhibit, ExhibitLabel: doc.ExhibitLabel,
			Docket: doc.Docket.Number, Metadata: metaOf(doc), Entities: []extractEntity{}}
		for _, p := range pages {
			out.Pages = append(out.Pages, extractPage{Number: p.Number, Text: p.Text, Engine: p.Engine, OCR: p.OCR, Confidence: p.Confidence, Stamp: p.Stamp})
		}
		for _, e := range rec.Recognize(ctx, pages, nil) {
			for _, m := range e.Mentions {
				out.Entities = append(out.Entities, extractEntity{Type: e.Type, Text: m.Text, Canonical: e.Canonical, Page: m.Page, Start: m.Start, End: m.End})
			}
		}
		if *jsonOut {
			if err := enc.Encode(out); err != nil {
				return err
			}
			continue
		}
		if err := printExtract(os.Stdout, out); err != nil {
			return err
		}
	}
	return nil
}

// printExtract writes out for people. It buffers: a long filing's text and entities
// are thousands of lines, each a write of its own to an unbuffered stdout.
func printExtract(stdout io.Writer, out extractOutput) error {
	w := bufio.NewWriter(stdout)
	fmt.Fprintf(w, "%s: %d pages, engine %s", out.File, len(out.Pages), out.Engine)
	if out.IsExhibit {
		fmt.Fprintf(w, ", %s", out.ExhibitLabel)
	}
	fmt.Fprintln(w)
	m := out.Metadata
	for _, f := range []struct{ name, value string }{
		{filing.FieldCourt, m.Court}, {filing.FieldCaseName, m.CaseName}, {filing.FieldDocket, m.Docket},
		{filing.FieldEntry, nonZero(m.Entry)}, {filing.FieldAttachment, nonZero(m.Attachment)}, {filing.FieldFiled, m.Filed},
		{filing.FieldTitle, m.Title}, {filing.FieldType, string(m.Type)},
	} {
		if f.value != "" {
			fmt.Fprintf(w, "%-11s %s (%s)\n", f.name+":", f.value, orUnknown(m.Origins[f.name]))
		}
	}
	for _, p := range out.Pages {
		how := p.Engine
		if p.OCR {
			how = fmt.Sprintf("%s, OCR %.0f%%", p.Engine, 100*p.Confidence)
		}
		fmt.Fprintf(w, "\n--- page %d (%s)\n%s\n", p.Number, how, p.Text)
	}
	if len(out.Entities) > 0 {
		fmt.Fprintln(w, "\n--- entities")
		for _, e := range out.Entities {
			fmt.Fprintf(w, "%-14s %-40s p.%d  %q\n", e.Type, e.Canonical, e.Page, e.Text)
		}
	}
	return w.Flush()
}

func nonZero(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprint(n)
}

func orUnknown(o filing.Origin) filing.Origin {
	if o == "" {
		return "default"
	}
	return o
}
