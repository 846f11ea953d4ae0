// Package extractor is the stage between FILINGS and TEXTS: it turns each discovered
// document's PDF into per-page text in a sandboxed child process, completes the
// document's metadata from what the pages say (ECF stamp, exhibit cover), and publishes
// the result on TEXTS.
package extractor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/docketwatch/docketwatch/pkg/blob"
	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/fault"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/services/extractor/entity"
	"github.com/docketwatch/docketwatch/services/extractor/pdfextract"
	"github.com/docketwatch/docketwatch/services/extractor/worker"
	"github.com/nats-io/nats.go/jetstream"
)

// Config tunes the stage.
type Config struct {
	// Concurrency is how many PDFs are extracted at once (each in its own child).
	Concurrency int
	// MaxPDFBytes refuses larger PDFs with a permanent error.
	MaxPDFBytes int64
	// Workers shapes the pool of extraction child processes; its size defaults to
	// Concurrency.
	Workers worker.Config
	// Entities finds named entities in the text; nil skips them.
	Entities *entity.Recognizer
	// Observe receives each message's outcome and duration (the stage's metrics).
	Observe func(stage, outcome string, took time.Duration)
	// Engine is "auto" (default), "go" or "poppler"; NoOCR turns OCR off.
	Engine string
	NoOCR  bool
}

func (c Config) withDefaults() Config {
	if c.Concurrency <= 0 {
		c.Concurrency = runtime.NumCPU()
	}
	if c.MaxPDFBytes <= 0 {
		c.MaxPDFBytes = 512 << 20
	}
	if c.Workers.Size <= 0 {
		c.Workers.Size = c.Concurrency
	}
	c.Workers.Env = append(c.Workers.Env, EngineEnv(c.Engine, c.NoOCR)...)
	return c
}

// Service is the extraction stage.
type Service struct {
	cfg   Config
	pool  *worker.Pool
	js    jetstream.JetStream
	blobs blob.Store
	log   *slog.Logger
	now   func() time.Time
}

// New returns the stage; Run starts it.
func New(cfg Config, js jetstream.JetStream, blobs blob.Store, log *slog.Logger) *Service {
	cfg = cfg.withDefaults()
	return &Service{cfg: cfg, pool: worker.NewPool(cfg.Workers), js: js, blobs: blobs, log: log, now: time.Now}
}

// Consumer is the stage's durable consumer of FILINGS.
func (s *Service) Consumer() bus.Consumer {
	return bus.Consumer{
		Stage: "extractor", Stream: bus.Filings, Durable: "extractor",
		Concurrency: s.cfg.Concurrency, MaxDeliver: 4, AckWait: 30 * time.Second, Observe: s.cfg.Observe,
	}
}

// Run consumes FILINGS until ctx ends, then finishes the extractions under way and
// stops the extraction children.
func (s *Service) Run(ctx context.Context) error {
	defer s.pool.Close()
	return s.Consumer().Consume(ctx, s.js, s.log, s.handle)
}

func (s *Service) handle(ctx context.Context, msg jetstream.Msg) error {
	var doc filing.Document
	if err := json.Unmarshal(msg.Data(), &doc); err != nil {
		return fault.Permanentf("decoding filing: %v", err)
	}
	if err := filing.CheckSchema(doc.Schema); err != nil {
		return fault.PermanentErr(err)
	}
	text, err := s.Extract(ctx, doc)
	if err != nil {
		return fmt.Errorf("extracting %s: %w", doc.ID, err)
	}
	contentKey := "meta"
	if doc.Blob != nil {
		contentKey = doc.Blob.SHA256[:16]
	}
	_, err = bus.Publish(ctx, s.js, bus.Out{
		Subject: bus.Subject(bus.Texts, filing.CourtToken(text.Document.Docket.Court)),
		MsgID:   bus.MsgID("extractor", doc.ID, contentKey+":"+text.Extractor),
		DocID:   doc.ID,
		Value:   text,
	})
	return err
}

// Extract turns one document into its Text: the PDF's pages when it has one (a document
// announced without its PDF is indexed on its description alone).
func (s *Service) Extract(ctx context.Context, doc filing.Document) (filing.Text, error) {
	text := filing.Text{Schema: filing.Schema, Document: doc, Extractor: "none", ExtractedAt: s.now().UTC()}
	text.Version = text.ExtractedAt.UnixNano()
	if doc.Blob == nil {
		return text, nil
	}
	data, err := blob.ReadAll(ctx, s.blobs, doc.Blob.SHA256, s.cfg.MaxPDFBytes)
	if errors.Is(err, blob.ErrNotFound) {
		// The fetcher stores the blob before publishing, so a missing one is lost for good.
		return text, fault.PermanentErr(err)
	}
	if err != nil {
		return text, err
	}
	pages, engine, err := s.pool.Extract(ctx, data)
	if err != nil {
		return text, err
	}
	if len(pages) == 0 {
		return text, fault.Permanentf("pdf has no pages")
	}
	text.Pages, text.Extractor = pages, engine
	text.Document = Enrich(doc, pages)
	if s.cfg.Entities != nil {
		// Entities are found here rather than in the child: the recogniser is pure Go
		// over text (no parser of hostile input), and built once per process.
		text.Entities = s.cfg.Entities.Recognize(ctx, pages, nil)
		// The entity model is part of what extracted the document: a new model makes
		// a new extractor version, which re-extraction selects by.
		text.Extractor += "+" + s.cfg.Entities.Version()
	}
	return text, nil
}

// The extraction child learns its engine options from its environment.
const (
	envEngine = "DOCKETWATCH_EXTRACT_ENGINE"
	envNoOCR  = "DOCKETWATCH_EXTRACT_NO_OCR"
)

// EngineEnv is the environment that passes engine options to the extraction children.
func EngineEnv(engine string, noOCR bool) []string {
	env := []string{envEngine + "=" + engine}
	if noOCR {
		env = append(env, envNoOCR+"=1")
	}
	return env
}

// ExtractPDF is the extraction that runs in the child process: the Go engine, poppler
// where it fails, OCR for pages without text of their own (see EngineEnv).
func ExtractPDF(ctx context.Context, data []byte) ([]filing.Page, string, error) {
	res, err := pdfextract.Extract(ctx, data, pdfextract.Options{
		Engine: os.Getenv(envEngine), NoOCR: os.Getenv(envNoOCR) == "1",
	})
	if err != nil {
		return nil, res.Engine, err
	}
	for i := range res.Pages {
		if i < len(res.PageEngines) {
			res.Pages[i].Engine = res.PageEngines[i]
		}
	}
	return res.Pages, res.Engine, nil
}

// Enrich completes what a source did not know from what the pages say: docket number,
// entry, attachment and filed date from the ECF stamp, and the exhibit label from the
// description or the exhibit's cover page.
func Enrich(doc filing.Document, pages []filing.Page) filing.Document {
	for _, p := range pages {
		st, _, _, ok := filing.ParseStamp(p.Stamp)
		if !ok {
			continue
		}
		if doc.Docket.Number == "" {
			doc.Docket.Number = st.Docket
		}
		if doc.Entry.Number == 0 {
			doc.Entry.Number = st.Entry
			if doc.Attachment == 0 {
				doc.Attachment = st.Attachment
			}
		}
		if doc.Entry.Filed.IsZero() {
			doc.Entry.Filed = st.Filed
		}
		break
	}
	if !doc.Exhibit {
		if label, ok := filing.ExhibitLabel(doc.Description); ok {
			doc.Exhibit, doc.ExhibitLabel = true, label
		} else if label, ok := coverLabel(pages[0].Text); ok {
			doc.Exhibit, doc.ExhibitLabel = true, label
		}
	}
	return doc
}

// coverLabel finds an exhibit cover: a short line that is only "EXHIBIT 12" among the
// first lines of the first page.
func coverLabel(text string) (string, bool) {
	lines := 0
	for line := range strings.SplitSeq(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if lines++; lines > 5 {
			break
		}
		if len(line) <= 20 {
			if label, ok := filing.ExhibitLabel(line); ok {
				return label, true
			}
		}
	}
	return "", false
}
