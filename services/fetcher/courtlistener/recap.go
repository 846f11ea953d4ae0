package courtlistener

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/docketwatch/docketwatch/pkg/fault"
)

// This file speaks RECAP's two document APIs: recap-query/ (which PACER documents
// CourtListener already holds, free) and recap-fetch/ (buy a document from PACER with
// the user's PACER credentials; it then lands in RECAP). Shapes follow CourtListener's
// cl/recap/api_serializers.py (PacerDocIdLookUpSerializer, PacerFetchQueueSerializer)
// and the statuses of cl/recap/models.py (PROCESSING_STATUS).

// RECAPHit is one recap-query/ result: a document CourtListener holds (is_available).
type RECAPHit struct {
	ID            int64  `json:"id"`
	PacerDocID    string `json:"pacer_doc_id"`
	FilepathLocal string `json:"filepath_local"`
}

// MaxQueryBatch is the most PACER doc ids one recap-query/ request asks about: one page
// of CourtListener's BigPagination (300), so a batch is one request.
const MaxQueryBatch = 300

// RECAPQuery asks which of the PACER doc ids of a court CourtListener holds, in one
// request per MaxQueryBatch ids; the ids it does not return are not available (yet).
func (c *Client) RECAPQuery(ctx context.Context, court string, pacerDocIDs []string) ([]RECAPHit, error) {
	var out []RECAPHit
	for len(pacerDocIDs) > 0 {
		n := min(len(pacerDocIDs), MaxQueryBatch)
		q := url.Values{
			"docket_entry__docket__court": {court},
			"pacer_doc_id__in":            {strings.Join(pacerDocIDs[:n], ",")},
			"page_size":                   {strconv.Itoa(MaxQueryBatch)},
		}
		next := c.endpoint("recap-query/", q)
		for pages := 0; next != ""; pages++ {
			if pages > 10 {
				return nil, fault.Permanentf("querying recap at %s: more than 10 pages for %d ids", court, n)
			}
			var p page[RECAPHit]
			if err := c.getJSON(ctx, next, &p); err != nil {
				return nil, fmt.Errorf("querying recap at %s: %w", court, err)
			}
			out = append(out, p.Results...)
			next = ""
			if p.Next != nil {
				next = *p.Next
			}
		}
		pacerDocIDs = pacerDocIDs[n:]
	}
	return out, nil
}

// DocumentByPacerID returns the RECAP document of a court with a PACER doc id, whether
// or not its PDF is available: what a purchase needs (its id and page count).
func (c *Client) DocumentByPacerID(ctx context.Context, court, pacerDocID string) (RECAPDocument, error) {
	q := url.Values{
		"docket_entry__docket__court": {court},
		"pacer_doc_id":                {pacerDocID},
		"omit":                        {"plain_text"},
	}
	var p page[RECAPDocument]
	if err := c.getJSON(ctx, c.endpoint("recap-documents/", q), &p); err != nil {
		return RECAPDocument{}, fmt.Errorf("looking up pacer doc %s at %s: %w", pacerDocID, court, err)
	}
	for _, d := range p.Results {
		// An attachment shares its entry's doc id on some courts; the main document wins.
		if d.AttachmentNumber == nil {
			return d, nil
		}
	}
	if len(p.Results) > 0 {
		return p.Results[0], nil
	}
	return RECAPDocument{}, fault.Permanentf("looking up pacer doc %s at %s: courtlistener has no such document", pacerDocID, court)
}

// FetchStatus is a recap-fetch/ request's status (PROCESSING_STATUS upstream).
type FetchStatus int

// The statuses; the webhook event is sent for the terminal ones only.
const (
	FetchEnqueued       FetchStatus = 1
	FetchSuccessful     FetchStatus = 2
	FetchFailed         FetchStatus = 3
	FetchInProgress     FetchStatus = 4
	FetchQueuedForRetry FetchStatus = 5
	FetchInvalidContent FetchStatus = 6
	FetchNeedsInfo      FetchStatus = 7
)

// Terminal reports whether the request has ended, well or badly.
func (s FetchStatus) Terminal() bool {
	return s == FetchSuccessful || s == FetchFailed || s == FetchInvalidContent || s == FetchNeedsInfo
}

func (s FetchStatus) String() string {
	switch s {
	case FetchEnqueued:
		return "enqueued"
	case FetchSuccessful:
		return "successful"
	case FetchFailed:
		return "failed"
	case FetchInProgress:
		return "in progress"
	case FetchQueuedForRetry:
		return "queued for retry"
	case FetchInvalidContent:
		return "invalid content"
	case FetchNeedsInfo:
		return "needs info"
	}
	return "status " + strconv.Itoa(int(s))
}

// FetchPDF is the request_type of a PDF purchase (REQUEST_TYPE.PDF upstream).
const FetchPDF = 2

// FetchRequest is a recap-fetch/ object, as the API and the RECAP-fetch webhook event
// (event type 3) carry it.
type FetchRequest struct {
	ID            int64       `json:"id"`
	Court         *string     `json:"court"`
	Docket        *int64      `json:"docket"`
	RECAPDocument *int64      `json:"recap_document"`
	DateCreated   Time        `json:"date_created"`
	DateModified  Time        `json:"date_modified"`
	DateCompleted Time        `json:"date_completed"`
	Status        FetchStatus `json:"status"`
	RequestType   int         `json:"request_type"`
	Message       string      `json:"message"`
}

// PACERCredentials are a user's PACER login, sent to CourtListener with a purchase and
// never logged (they print as [redacted]).
type PACERCredentials struct {
	Username, Password string
	// ClientCode is the PACER client code, for accounts that require one.
	ClientCode string
}

func (PACERCredentials) String() string   { return "[redacted]" }
func (PACERCredentials) GoString() string { return "[redacted]" }

// ErrFetchUnknown wraps a purchase request whose outcome is unknown (the connection
// broke or the server failed after the request was sent): it may have been created.
// The caller must look for it (FetchRequestsSince) before asking again, or it may buy
// twice.
var ErrFetchUnknown = errors.New("courtlistener: outcome of the fetch request unknown")

// RequestPDFFetch asks CourtListener to buy a RECAP document's PDF from PACER. It sends
// the request once: a POST that was not answered may still have been accepted, so it is
// never retried here (see ErrFetchUnknown). A 400 (bad PACER login, a document already
// available) is Permanent and carries CourtListener's message; a 429 is RateLimited and
// certain not to have created anything.
func (c *Client) RequestPDFFetch(ctx context.Context, rdID int64, creds PACERCredentials) (FetchRequest, error) {
	if creds.Username == "" || creds.Password == "" {
		return FetchRequest{}, fault.Permanentf("requesting a fetch of document %d: no PACER credentials", rdID)
	}
	if err := secureHost(c.base); err != nil {
		return FetchRequest{}, fmt.Errorf("requesting a fetch of document %d: %w", rdID, err)
	}
	form := url.Values{
		"request_type":   {strconv.Itoa(FetchPDF)},
		"recap_document": {strconv.FormatInt(rdID, 10)},
		"pacer_username": {creds.Username},
		"pacer_password": {creds.Password},
	}
	if creds.ClientCode != "" {
		form.Set("client_code", creds.ClientCode)
	}
	if err := c.wait(ctx); err != nil {
		return FetchRequest{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint("recap-fetch/", nil), strings.NewReader(form.Encode()))
	if err != nil {
		return FetchRequest{}, fault.PermanentErr(err)
	}
	req.Header.Set("Authorization", "Token "+c.cfg.Token)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		return FetchRequest{}, fmt.Errorf("requesting a fetch of document %d: %w: %w", rdID, ErrFetchUnknown, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	switch code := resp.StatusCode; {
	case code == http.StatusCreated || code == http.StatusOK:
		var fr FetchRequest
		if err := json.Unmarshal(body, &fr); err != nil || fr.ID == 0 {
			return FetchRequest{}, fmt.Errorf("requesting a fetch of document %d: %w: unreadable answer", rdID, ErrFetchUnknown)
		}
		return fr, nil
	case code == http.StatusTooManyRequests:
		ra, _ := strconv.Atoi(strings.TrimSpace(resp.Header.Get("Retry-After")))
		return FetchRequest{}, fault.RateLimitedErr(fmt.Errorf("requesting a fetch of document %d: throttled", rdID), time.Duration(max(ra, 1))*time.Second)
	case code >= 500:
		return FetchRequest{}, fmt.Errorf("requesting a fetch of document %d: %w: %s", rdID, ErrFetchUnknown, resp.Status)
	default:
		return FetchRequest{}, fault.Permanentf("requesting a fetch of document %d: courtlistener answered %s: %s", rdID, resp.Status, validationMessage(body))
	}
}

// validationMessage flattens a DRF validation error ({"non_field_errors": ["..."]},
// {"field": ["..."]} or {"detail": "..."}) into one line.
func validationMessage(body []byte) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return strings.TrimSpace(string(body[:min(len(body), 200)]))
	}
	var parts []string
	for k, raw := range m {
		var list []string
		var one string
		switch {
		case json.Unmarshal(raw, &list) == nil:
			one = strings.Join(list, "; ")
		case json.Unmarshal(raw, &one) == nil:
		default:
			one = string(raw)
		}
		if k != "non_field_errors" && k != "detail" {
			one = k + ": " + one
		}
		parts = append(parts, one)
	}
	return strings.Join(parts, "; ")
}

// FetchRequestByID returns a fetch request as it stands now.
func (c *Client) FetchRequestByID(ctx context.Context, id int64) (FetchRequest, error) {
	var fr FetchRequest
	if err := c.getJSON(ctx, c.endpoint("recap-fetch/"+strconv.FormatInt(id, 10)+"/", nil), &fr); err != nil {
		return FetchRequest{}, fmt.Errorf("reading fetch request %d: %w", id, err)
	}
	return fr, nil
}

// FetchRequestsSince returns the account's PDF fetch requests created at or after
// since: how a buyer that crashed after sending a request finds out whether
// CourtListener received it.
func (c *Client) FetchRequestsSince(ctx context.Context, since time.Time) ([]FetchRequest, error) {
	q := url.Values{
		"date_created__gte": {since.UTC().Format(time.RFC3339Nano)},
		"request_type":      {strconv.Itoa(FetchPDF)},
		"order_by":          {"-id"},
	}
	var out []FetchRequest
	next := c.endpoint("recap-fetch/", q)
	for pages := 0; next != ""; pages++ {
		if pages > 100 {
			return nil, fault.Permanentf("listing fetch requests: more than 100 pages")
		}
		var p page[FetchRequest]
		if err := c.getJSON(ctx, next, &p); err != nil {
			return nil, fmt.Errorf("listing fetch requests since %s: %w", since.Format(time.RFC3339), err)
		}
		out = append(out, p.Results...)
		next = ""
		if p.Next != nil {
			next = *p.Next
		}
	}
	return out, nil
}

// secureHost refuses to send PACER credentials over plain HTTP, except to a loopback
// address (a local proxy or a test's fake).
func secureHost(u *url.URL) error {
	if u.Scheme == "https" {
		return nil
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); (ip != nil && ip.IsLoopback()) || host == "localhost" {
		return nil
	}
	return fault.Permanentf("refusing to send PACER credentials over %s to %s: use https", u.Scheme, host)
}
