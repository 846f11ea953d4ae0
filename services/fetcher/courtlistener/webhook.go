package courtlistener

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/docketwatch/docketwatch/pkg/filing"
)

// The webhook event types CourtListener sends.
const (
	EventDocketAlert = 1
	EventSearchAlert = 2
)

// SeenStore remembers the Idempotency-Keys of webhook events already processed.
// CourtListener reuses an event's key on every retry, so a key seen before is acknowledged
// without processing it again. A NATS KV bucket with a TTL fits; MemorySeen is the
// in-memory implementation.
type SeenStore interface {
	// Seen reports whether key was marked. An error makes the handler answer 503, and
	// CourtListener retries later.
	Seen(ctx context.Context, key string) (bool, error)
	// Mark records key after its event was fully processed.
	Mark(ctx context.Context, key string) error
}

// MemorySeen is a SeenStore in memory, bounded: beyond Max keys the oldest are forgotten.
// CourtListener retries for about 55 hours, so Max should exceed the events of that time.
type MemorySeen struct {
	Max int

	mu    sync.Mutex
	keys  map[string]struct{}
	order []string
}

var _ SeenStore = (*MemorySeen)(nil)

// Seen implements SeenStore.
func (m *MemorySeen) Seen(_ context.Context, key string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.keys[key]
	return ok, nil
}

// Mark implements SeenStore.
func (m *MemorySeen) Mark(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.keys == nil {
		m.keys = map[string]struct{}{}
	}
	if _, ok := m.keys[key]; ok {
		return nil
	}
	limit := m.Max
	if limit <= 0 {
		limit = 100000
	}
	for len(m.order) >= limit {
		delete(m.keys, m.order[0])
		m.order = m.order[1:]
	}
	m.keys[key] = struct{}{}
	m.order = append(m.order, key)
	return nil
}

// DocketResolver returns a docket's metadata; *Client is one.
type DocketResolver interface {
	Docket(ctx context.Context, id int64) (Docket, error)
}

var _ DocketResolver = (*Client)(nil)

// PDF says where a document's PDF can be fetched and what it must be.
type PDF struct {
	URL  string
	SHA1 string // "" when the event does not say
	Size int64  // 0 when the event does not say
}

// WebhookConfig configures a WebhookHandler.
type WebhookConfig struct {
	Seen SeenStore
	// Resolver supplies court, docket number and case name for docket-alert events, which
	// carry only the docket's id.
	Resolver DocketResolver
	// StorageURL is the PDF host (default DefaultStorageURL).
	StorageURL string
	// Emit publishes one document durably; pdf is nil when CourtListener has no PDF. The
	// PDF is fetched afterwards (events carry no text). An error makes the handler answer
	// 500 so that CourtListener retries the event with the same key.
	Emit func(ctx context.Context, doc filing.Document, pdf *PDF) error
	// MaxBody bounds an event (default 4 MB).
	MaxBody int64
	Logger  *slog.Logger
	Now     func() time.Time
}

// WebhookHandler is the http.Handler CourtListener posts webhook events to.
type WebhookHandler struct {
	cfg      WebhookConfig
	inFlight sync.Map
}

// NewWebhookHandler validates cfg and returns the handler.
func NewWebhookHandler(cfg WebhookConfig) (*WebhookHandler, error) {
	if cfg.Seen == nil || cfg.Emit == nil || cfg.Resolver == nil {
		return nil, errors.New("webhook handler: Seen, Resolver and Emit are required")
	}
	if cfg.StorageURL == "" {
		cfg.StorageURL = DefaultStorageURL
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 4 << 20
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &WebhookHandler{cfg: cfg}, nil
}

type envelope struct {
	Payload struct {
		Results json.RawMessage `json:"results"`
	} `json:"payload"`
	Webhook struct {
		Version   int `json:"version"`
		EventType int `json:"event_type"`
	} `json:"webhook"`
}

// searchResult is a RECAP search-alert result (type r): docket fields and the matching
// documents nested.
type searchResult struct {
	DocketID     int64  `json:"docket_id"`
	CaseName     string `json:"caseName"`
	DocketNumber string `json:"docketNumber"`
	CourtID      string `json:"court_id"`
	PacerCaseID  string `json:"pacer_case_id"`
	RECAPDocs    []struct {
		ID               int64   `json:"id"`
		Description      string  `json:"description"`
		ShortDescription string  `json:"short_description"`
		EntryNumber      *int64  `json:"entry_number"`
		EntryDateFiled   string  `json:"entry_date_filed"`
		DocumentNumber   any     `json:"document_number"`
		AttachmentNumber *int    `json:"attachment_number"`
		IsAvailable      *bool   `json:"is_available"`
		FilepathLocal    *string `json:"filepath_local"`
	} `json:"recap_documents"`
}

type pending struct {
	doc filing.Document
	pdf *PDF
}

func webhookReply(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"status": msg})
}

// ServeHTTP accepts one event. It answers 200 once every document of the event was
// emitted (or the key was seen before, or the event type carries no filings), 4xx for a
// request that retrying cannot fix, and 5xx when CourtListener should retry.
func (h *WebhookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		webhookReply(w, http.StatusMethodNotAllowed, "POST only")
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if key == "" || len(key) > 200 {
		webhookReply(w, http.StatusBadRequest, "missing or overlong Idempotency-Key")
		return
	}
	ctx := r.Context()
	// One delivery of a key at a time: a retry racing its original is told to come back.
	if _, busy := h.inFlight.LoadOrStore(key, struct{}{}); busy {
		webhookReply(w, http.StatusConflict, "event in progress")
		return
	}
	defer h.inFlight.Delete(key)
	seen, err := h.cfg.Seen.Seen(ctx, key)
	if err != nil {
		h.cfg.Logger.Warn("webhook seen-store failed", "err", err)
		webhookReply(w, http.StatusServiceUnavailable, "seen store unavailable")
		return
	}
	if seen {
		webhookReply(w, http.StatusOK, "duplicate")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, h.cfg.MaxBody+1))
	if err != nil {
		webhookReply(w, http.StatusBadRequest, "reading body")
		return
	}
	if int64(len(body)) > h.cfg.MaxBody {
		webhookReply(w, http.StatusRequestEntityTooLarge, "event too large")
		return
	}
	docs, status, err := h.documents(ctx, body)
	if err != nil {
		h.cfg.Logger.Warn("webhook event rejected", "status", status, "err", err)
		webhookReply(w, status, err.Error())
		return
	}
	for _, p := range docs {
		if err := h.cfg.Emit(ctx, p.doc, p.pdf); err != nil {
			h.cfg.Logger.Warn("webhook emit failed", "doc_id", p.doc.ID, "err", err)
			webhookReply(w, http.StatusInternalServerError, "could not publish")
			return
		}
	}
	if err := h.cfg.Seen.Mark(ctx, key); err != nil {
		// Everything was published; a redelivery would only repeat what downstream
		// de-duplicates by DocID.
		h.cfg.Logger.Warn("webhook seen-store mark failed", "err", err)
	}
	webhookReply(w, http.StatusOK, fmt.Sprintf("accepted %d documents", len(docs)))
}

// documents turns an event into documents, or says which status to answer.
func (h *WebhookHandler) documents(ctx context.Context, body []byte) ([]pending, int, error) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, http.StatusBadRequest, fmt.Errorf("decoding webhook event: %w", err)
	}
	switch env.Webhook.EventType {
	case EventDocketAlert:
		if env.Webhook.Version != 1 && env.Webhook.Version != 2 {
			return nil, http.StatusBadRequest, fmt.Errorf("unsupported webhook version %d", env.Webhook.Version)
		}
		var entries []DocketEntry
		if err := json.Unmarshal(env.Payload.Results, &entries); err != nil {
			return nil, http.StatusBadRequest, fmt.Errorf("decoding docket alert: %w", err)
		}
		return h.docketAlert(ctx, entries)
	case EventSearchAlert:
		// RECAP search-alert results are nested only in v2.
		if env.Webhook.Version != 2 {
			return nil, http.StatusBadRequest, fmt.Errorf("search alerts need webhook version 2, got %d", env.Webhook.Version)
		}
		var results []searchResult
		if err := json.Unmarshal(env.Payload.Results, &results); err != nil {
			return nil, http.StatusBadRequest, fmt.Errorf("decoding search alert: %w", err)
		}
		return h.searchAlert(results), 0, nil
	default:
		// Other events (fetch results, alert reports, pray-and-pay) carry no new filing;
		// acknowledge them so CourtListener does not disable the endpoint.
		return nil, 0, nil
	}
}

func (h *WebhookHandler) storageURL(p string) string {
	base := h.cfg.StorageURL
	if base[len(base)-1] != '/' {
		base += "/"
	}
	if len(p) > 0 && p[0] == '/' {
		p = p[1:]
	}
	return base + p
}

func (h *WebhookHandler) docketAlert(ctx context.Context, entries []DocketEntry) ([]pending, int, error) {
	var out []pending
	for _, e := range entries {
		id := e.DocketID()
		if id == 0 {
			return nil, http.StatusBadRequest, errors.New("docket alert entry without docket id")
		}
		dk, err := h.cfg.Resolver.Docket(ctx, id)
		if err != nil {
			return nil, http.StatusServiceUnavailable, fmt.Errorf("resolving docket %d: %w", id, err)
		}
		for _, d := range e.RECAPDocuments {
			doc := filing.Document{
				Schema: filing.Schema, Source: SourceName,
				SourceID:     "rd:" + strconv.FormatInt(d.ID, 10),
				Description:  d.Description,
				Entry:        filing.Entry{Filed: e.Filed(), Description: e.Description},
				DiscoveredAt: h.cfg.Now(),
			}
			fillDocket(&doc, "", dk)
			if n, err := strconv.Atoi(d.DocumentNumber); err == nil {
				doc.Entry.Number = n
			} else if e.EntryNumber != nil {
				doc.Entry.Number = int(*e.EntryNumber)
			}
			if d.AttachmentNumber != nil {
				doc.Attachment = *d.AttachmentNumber
			}
			var pdf *PDF
			if d.Available() {
				doc.URL = h.storageURL(*d.FilepathLocal)
				pdf = &PDF{URL: doc.URL, SHA1: d.SHA1}
				if d.FileSize != nil {
					pdf.Size = *d.FileSize
				}
			}
			finish(&doc)
			out = append(out, pending{doc, pdf})
		}
	}
	return out, 0, nil
}

func (h *WebhookHandler) searchAlert(results []searchResult) []pending {
	var out []pending
	for _, res := range results {
		dk := Docket{ID: res.DocketID, CourtID: res.CourtID, CaseName: res.CaseName, DocketNumber: res.DocketNumber, PacerCaseID: res.PacerCaseID}
		for _, d := range res.RECAPDocs {
			doc := filing.Document{
				Schema: filing.Schema, Source: SourceName,
				SourceID:     "rd:" + strconv.FormatInt(d.ID, 10),
				Description:  d.ShortDescription,
				Entry:        filing.Entry{Description: d.Description},
				DiscoveredAt: h.cfg.Now(),
			}
			fillDocket(&doc, res.CourtID, dk)
			if t, err := time.Parse("2006-01-02", d.EntryDateFiled); err == nil {
				doc.Entry.Filed = t
			}
			// The search index gives document_number as a number, the DB API as a string.
			switch n := d.DocumentNumber.(type) {
			case float64:
				doc.Entry.Number = int(n)
			case string:
				doc.Entry.Number, _ = strconv.Atoi(n)
			}
			if doc.Entry.Number == 0 && d.EntryNumber != nil {
				doc.Entry.Number = int(*d.EntryNumber)
			}
			if d.AttachmentNumber != nil {
				doc.Attachment = *d.AttachmentNumber
			}
			var pdf *PDF
			if d.IsAvailable != nil && *d.IsAvailable && d.FilepathLocal != nil && *d.FilepathLocal != "" {
				doc.URL = h.storageURL(*d.FilepathLocal)
				pdf = &PDF{URL: doc.URL}
			}
			finish(&doc)
			out = append(out, pending{doc, pdf})
		}
	}
	return out
}

// finish sets the exhibit flag and the DocID.
func finish(doc *filing.Document) {
	if label, ok := filing.ExhibitLabel(doc.Description); ok {
		doc.Exhibit, doc.ExhibitLabel = true, label
	}
	doc.ID = filing.NewDocID(doc.Docket.Court, doc.Docket.Number, doc.Entry.Number, doc.Attachment)
	if doc.ID == "" {
		doc.ID = filing.SourceDocID("cl", doc.SourceID)
	}
}
