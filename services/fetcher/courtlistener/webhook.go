package courtlistener

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/docketwatch/docketwatch/pkg/config"
	"github.com/docketwatch/docketwatch/pkg/fault"

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
	limit := config.Default(m.Max, 100000)
	for len(m.order) >= limit {
		delete(m.keys, m.order[0])
		m.order = m.order[1:]
	}
	m.keys[key] = struct{}{}
	m.order = append(m.order, key)
	return nil
}

// EventAPI is what resolving webhook events needs of CourtListener; *Client is one.
type EventAPI interface {
	entryAPI
	// DocketDocuments lists a docket's documents created since since.
	DocketDocuments(ctx context.Context, docketID int64, since time.Time) ([]RECAPDocument, error)
}

var _ EventAPI = (*Client)(nil)

// PDF says where a document's PDF can be fetched and what it must be.
type PDF struct {
	URL  string `json:"url"`
	SHA1 string `json:"sha1,omitempty"` // "" when the event does not say
	Size int64  `json:"size,omitempty"` // 0 when the event does not say
}

// Pending is a document an event announced, with its PDF when CourtListener has one.
type Pending struct {
	Doc filing.Document
	PDF *PDF
}

// WebhookConfig configures a WebhookHandler.
type WebhookConfig struct {
	Seen SeenStore
	// Queue stores an accepted event durably (a JetStream publish) under its
	// Idempotency-Key; the handler answers 2xx only once it succeeded, and an
	// EventResolver turns the event into documents afterwards. CourtListener waits a few
	// seconds for an answer and disables an endpoint that keeps failing, so nothing slow
	// (the API, its request budget) may come before the answer.
	Queue func(ctx context.Context, key string, event []byte) error
	// MaxBody bounds an event (default 4 MB).
	MaxBody int64
	Logger  *slog.Logger
}

// WebhookHandler is the http.Handler CourtListener posts webhook events to.
type WebhookHandler struct {
	cfg      WebhookConfig
	inFlight sync.Map
}

// NewWebhookHandler validates cfg and returns the handler.
func NewWebhookHandler(cfg WebhookConfig) (*WebhookHandler, error) {
	if cfg.Seen == nil || cfg.Queue == nil {
		return nil, errors.New("webhook handler: Seen and Queue are required")
	}
	cfg.MaxBody = config.Default(cfg.MaxBody, 4<<20)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
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
// documents nested, at most three; meta.more_docs says more matched.
type searchResult struct {
	DocketID     int64  `json:"docket_id"`
	CaseName     string `json:"caseName"`
	DocketNumber string `json:"docketNumber"`
	CourtID      string `json:"court_id"`
	PacerCaseID  string `json:"pacer_case_id"`
	Meta         struct {
		MoreDocs bool `json:"more_docs"`
	} `json:"meta"`
	RECAPDocs []struct {
		ID               int64   `json:"id"`
		Description      string  `json:"description"`
		ShortDescription string  `json:"short_description"`
		EntryNumber      *int64  `json:"entry_number"`
		EntryDateFiled   string  `json:"entry_date_filed"`
		DocumentNumber   any     `json:"document_number"`
		AttachmentNumber *int    `json:"attachment_number"`
		IsAvailable      *bool   `json:"is_available"`
		FilepathLocal    *string `json:"filepath_local"`
		Meta             struct {
			DateCreated Time `json:"date_created"`
		} `json:"meta"`
	} `json:"recap_documents"`
}

// Event is a decoded webhook event that announces filings.
type Event struct {
	Type    int
	entries []DocketEntry
	results []searchResult
}

// ParseEvent decodes and checks an event without asking CourTListener anything. It
// reports ok false for event types that carry no filings (fetch results, alert reports,
// pray-and-pay), which are acknowledged and dropped; an error means the event can never
// be read.
func ParseEvent(body []byte) (ev Event, ok bool, err error) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return ev, false, fmt.Errorf("decoding webhook event: %w", err)
	}
	ev.Type = env.Webhook.EventType
	switch ev.Type {
	case EventDocketAlert:
		if env.Webhook.Version != 1 && env.Webhook.Version != 2 {
			return ev, false, fmt.Errorf("unsupported webhook version %d", env.Webhook.Version)
		}
		if err := json.Unmarshal(env.Payload.Results, &ev.entries); err != nil {
			return ev, false, fmt.Errorf("decoding docket alert: %w", err)
		}
		for _, e := range ev.entries {
			if e.DocketID() == 0 {
				return ev, false, errors.New("docket alert entry without docket id")
			}
		}
		return ev, true, nil
	case EventSearchAlert:
		// RECAP search-alert results are nested only in v2.
		if env.Webhook.Version != 2 {
			return ev, false, fmt.Errorf("search alerts need webhook version 2, got %d", env.Webhook.Version)
		}
		if err := json.Unmarshal(env.Payload.Results, &ev.results); err != nil {
			return ev, false, fmt.Errorf("decoding search alert: %w", err)
		}
		return ev, true, nil
	default:
		return ev, false, nil
	}
}

func webhookReply(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"status": msg})
}

// ServeHTTP accepts one event: 200 once it is queued durably (or its key was seen
// before, or its type carries no filings), 4xx for an event that retrying cannot fix,
// 503 when the queue is unavailable and CourtListener should retry.
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
	_, filings, err := ParseEvent(body)
	if err != nil {
		h.cfg.Logger.Warn("webhook event rejected", "err", err)
		webhookReply(w, http.StatusBadRequest, err.Error())
		return
	}
	if !filings {
		// Acknowledged, so that CourtListener does not disable the endpoint.
		webhookReply(w, http.StatusOK, "no filings in this event type")
		return
	}
	if err := h.cfg.Queue(ctx, key, body); err != nil {
		h.cfg.Logger.Warn("webhook event not queued", "err", err)
		webhookReply(w, http.StatusServiceUnavailable, "could not queue the event")
		return
	}
	if err := h.cfg.Seen.Mark(ctx, key); err != nil {
		// The event is queued; a redelivery is queued again under the same key.
		h.cfg.Logger.Warn("webhook seen-store mark failed", "err", err)
	}
	webhookReply(w, http.StatusOK, "queued")
}

// EventResolver turns queued webhook events into documents, asking CourtListener what
// the events leave out.
type EventResolver struct {
	api     EventAPI
	storage string
	now     func() time.Time
}

// NewEventResolver returns a resolver reading through api; storageURL is the PDF host
// ("" for DefaultStorageURL).
func NewEventResolver(api EventAPI, storageURL string, now func() time.Time) *EventResolver {
	if storageURL == "" {
		storageURL = DefaultStorageURL
	}
	if !strings.HasSuffix(storageURL, "/") {
		storageURL += "/"
	}
	if now == nil {
		now = time.Now
	}
	return &EventResolver{api: api, storage: storageURL, now: now}
}

func (r *EventResolver) storageURL(p string) string {
	return r.storage + strings.TrimPrefix(p, "/")
}

// Documents returns the documents an event announces. An error that fault.IsPermanent
// (an event that cannot be decoded, a docket CourtListener does not have) will not go
// away by retrying.
func (r *EventResolver) Documents(ctx context.Context, body []byte) ([]Pending, error) {
	ev, _, err := ParseEvent(body)
	if err != nil {
		return nil, fault.PermanentErr(err)
	}
	if ev.Type == EventDocketAlert {
		return r.docketAlert(ctx, ev.entries)
	}
	return r.searchAlert(ctx, ev.results)
}

func (r *EventResolver) docketAlert(ctx context.Context, entries []DocketEntry) ([]Pending, error) {
	var out []Pending
	for _, e := range entries {
		id := e.DocketID()
		dk, err := r.api.Docket(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("resolving docket %d: %w", id, err)
		}
		for _, d := range e.RECAPDocuments {
			doc := filing.Document{
				Schema: filing.Schema, Source: SourceName,
				SourceID:     "rd:" + strconv.FormatInt(d.ID, 10),
				Description:  d.Description,
				Entry:        filing.Entry{Filed: e.Filed(), Description: e.Description},
				DiscoveredAt: r.now(),
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
				doc.URL = r.storageURL(*d.FilepathLocal)
				p := pdfOf(doc.URL, d)
				pdf = &p
			}
			finish(&doc)
			out = append(out, Pending{doc, pdf})
		}
	}
	return out, nil
}

func (r *EventResolver) searchAlert(ctx context.Context, results []searchResult) ([]Pending, error) {
	var out []Pending
	for _, res := range results {
		dk := Docket{ID: res.DocketID, CourtID: res.CourtID, CaseName: res.CaseName, DocketNumber: res.DocketNumber, PacerCaseID: res.PacerCaseID}
		nested := map[int64]bool{}
		var since time.Time
		for _, d := range res.RECAPDocs {
			nested[d.ID] = true
			if at := d.Meta.DateCreated.Time; !at.IsZero() && (since.IsZero() || at.Before(since)) {
				since = at
			}
			doc := filing.Document{
				Schema: filing.Schema, Source: SourceName,
				SourceID:     "rd:" + strconv.FormatInt(d.ID, 10),
				Description:  d.ShortDescription,
				Entry:        filing.Entry{Description: d.Description},
				DiscoveredAt: r.now(),
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
				doc.URL = r.storageURL(*d.FilepathLocal)
				pdf = &PDF{URL: doc.URL}
			}
			finish(&doc)
			out = append(out, Pending{doc, pdf})
		}
		if res.Meta.MoreDocs && res.DocketID != 0 {
			more, err := r.moreDocs(ctx, res.CourtID, res.DocketID, since, nested)
			if err != nil {
				return nil, err
			}
			out = append(out, more...)
		}
	}
	return out, nil
}

// moreDocs fetches what a search-alert result with more_docs left out. The event names
// neither the other matches nor a way to page to them, so the docket's documents created
// since the earliest nested match are read (the matches are among them; the rest are
// filings of a case the alert follows, and the Publisher drops what it has).
func (r *EventResolver) moreDocs(ctx context.Context, court string, docketID int64, since time.Time, skip map[int64]bool) ([]Pending, error) {
	docs, err := r.api.DocketDocuments(ctx, docketID, since)
	if err != nil {
		return nil, fmt.Errorf("fetching the other matches in docket %d: %w", docketID, err)
	}
	docs = slices.DeleteFunc(docs, func(d RECAPDocument) bool { return skip[d.ID] })
	res, err := resolve(ctx, r.api, docs)
	if err != nil {
		return nil, fmt.Errorf("fetching the other matches in docket %d: %w", docketID, err)
	}
	out := make([]Pending, 0, len(docs))
	for _, d := range docs {
		doc := documentOf(court, d, res[d.ID], r.storageURL, r.now())
		var pdf *PDF
		if d.Available() {
			p := pdfOf(doc.URL, d)
			pdf = &p
		}
		out = append(out, Pending{doc, pdf})
	}
	return out, nil
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
