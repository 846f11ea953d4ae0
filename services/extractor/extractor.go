// Package extractor is the stage between FILINGS and TEXTS: it turns each discovered
// document's PDF into per-page text in a sandboxed child process, completes the
// document's metadata from what the pages say (ECF stamp, exhibit cover), and publishes
// the result on TEXTS.
package extractor

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/docketwatch/docketwatch/pkg/blob"
	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/config"
	"github.com/docketwatch/docketwatch/pkg/fault"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/services/extractor/docmeta"
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
	// Aliases is a YAML file of entity aliases (canonical name → other names) for
	// LoadRecognizer; the composition root builds Entities from it (LoadEntities).
	Aliases string
}

// Engines are the values of Config.Engine.
var Engines = []string{pdfextract.Auto, pdfextract.Go, pdfextract.Poppler}

// RegisterFlags registers the stage's settings on fs (pkg/config binds them to the
// environment and the config file).
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	config.ChoiceVar(fs, &c.Engine, "engine", pdfextract.Auto, Engines, "PDF text engine")
	fs.BoolVar(&c.NoOCR, "no-ocr", false, "do not OCR pages without text")
	fs.StringVar(&c.Aliases, "aliases", "", "YAML alias file for entity names: canonical name → other names")
	fs.IntVar(&c.Concurrency, "extract-concurrency", 0, "PDFs extracted at once, each in its own child process (default: one per CPU)")
}

// Validate reports a setting that cannot work, naming its flag.
func (c Config) Validate() error {
	if c.Engine != "" && !slices.Contains(Engines, c.Engine) {
		return fmt.Errorf("--engine %q: want one of %s", c.Engine, strings.Join(Engines, ", "))
	}
	if c.Concurrency < 0 {
		return fmt.Errorf("--extract-concurrency %d: want 0 (one per CPU) or more", c.Concurrency)
	}
	return nil
}

// Deps are what the stage works with.
type Deps struct {
	JS    jetstream.JetStream
	Blobs blob.Store
	Log   *slog.Logger
}

func (c Config) withDefaults() Config {
	c.Concurrency = config.Default(c.Concurrency, runtime.NumCPU())
	c.MaxPDFBytes = config.Default(c.MaxPDFBytes, 512<<20)
	c.Workers.Size = config.Default(c.Workers.Size, c.Concurrency)
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

// New returns the stage, or why cfg cannot work; Run starts it.
func New(cfg Config, deps Deps) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if deps.Log == nil {
		deps.Log = slog.Default()
	}
	cfg = cfg.withDefaults()
	return &Service{cfg: cfg, pool: worker.NewPool(cfg.Workers), js: deps.JS, blobs: deps.Blobs, log: deps.Log, now: time.Now}, nil
}

// LoadRecognizer builds the entity recogniser, with the alias file (--aliases) when one
// is named.
func LoadRecognizer(aliasFile string) (*entity.Recognizer, error) {
	var opt entity.Options
	if aliasFile != "" {
		f, err := os.Open(aliasFile)
		if err != nil {
			return nil, fmt.Errorf("--aliases: %w", err)
		}
		defer f.Close()
		if opt.Aliases, err = entity.LoadAliases(f); err != nil {
			return nil, fmt.Errorf("--aliases %s: %w", aliasFile, err)
		}
	}
	return entity.New(opt)
}

// LoadEntities sets Entities from the alias file, unless they are set: the composition
// root calls it while it validates, so that a bad file is refused before anything
// starts, and read once.
func (c *Config) LoadEntities() error {
	if c.Entities != nil {
		return nil
	}
	rec, err := LoadRecognizer(c.Aliases)
	c.Entities = rec
	return err
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
	defer s.Close()
	return s.Consumer().Consume(ctx, s.js, s.log, s.handle)
}

// Close stops the extraction children, for a Service used through Extract alone.
func (s *Service) Close() { s.pool.Close() }

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
	// The same filing redelivered is deduplicated; a new version of it (metadata merged
	// from another route, a corrected description, same PDF) is not.
	filingSum := sha256.Sum256(msg.Data())
	contentKey := hex.EncodeToString(filingSum[:12])
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
	text := filing.Text{Schema: filing.Schema, Document: doc, Extractor: Version("none"), ExtractedAt: s.now().UTC()}
	text.Version = text.ExtractedAt.UnixNano()
	if doc.Blob == nil {
		// Without pages, what the source said still names the document's type.
		text.Document = docmeta.Apply(doc, docmeta.Read(doc, nil))
		return text, nil
	}
	data, err := blob.ReadAll(ctx, s.blobs, doc.Blob.SHA256, s.cfg.MaxPDFBytes)
	if err != nil {
		// Even a missing blob is retried: the fetcher stores it before publishing, but in a
		// cluster the replica that answers the read may not have applied that write yet.
		// A blob still missing after the consumer's retries is parked with this reason.
		return text, fmt.Errorf("reading the PDF: %w", err)
	}
	pages, engine, err := s.pool.Extract(ctx, data)
	if err != nil {
		return text, err
	}
	if len(pages) == 0 {
		return text, fault.Permanentf("pdf has no pages")
	}
	text.Pages, text.Extractor = pages, Version(engine)
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

// Version is the extractor's version string for a text engine's: the engine and the
// metadata rules (docmeta.Version), so that re-extraction republishes a document whose
// metadata was read by older rules even when its text engine is unchanged.
func Version(engine string) string { return engine + " " + docmeta.Version }

// Enrich completes what a source did not know from what the pages say: court, case name,
// docket number, entry, attachment, filed date, title and type (docmeta: a source's values
// win over what is read), and the exhibit label from the description or the exhibit's
// cover page.
func Enrich(doc filing.Document, pages []filing.Page) filing.Document {
	doc = docmeta.Apply(doc, docmeta.Read(doc, pages))
	if !doc.Exhibit {
		if label, ok := filing.ExhibitLabel(doc.Description); ok {
			doc.Exhibit, doc.ExhibitLabel = true, label
		} else if label, ok := coverLabel(pages[0].Text); ok {
			doc.Exhibit, doc.ExhibitLabel = true, label
		}
	}
	if doc.Exhibit && doc.Origins[filing.FieldType].Strength() < filing.FromSource.Strength() {
		doc.Type = filing.TypeExhibit
		origins := map[string]filing.Origin{filing.FieldType: filing.FromTitleBlock}
		for k, v := range doc.Origins {
			if k != filing.FieldType {
				origins[k] = v
			}
		}
		doc.Origins = origins
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
