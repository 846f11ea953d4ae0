package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/nats-io/nats.go"
)

// response is the reply on the wire: a result (or record) or an error, never both.
type response struct {
	Result     *Result     `json:"result,omitempty"`
	Record     *Record     `json:"record,omitempty"`
	NotFound   bool        `json:"not_found,omitempty"`
	QueryError *QueryError `json:"query_error,omitempty"`
	Error      string      `json:"error,omitempty"`
}

// headerOp says what a request on the search subject asks for: absent for a search,
// opDocument for a document by id. One subject keeps one queue group and one
// subscription per index owner.
const (
	headerOp   = "Docketwatch-Op"
	opDocument = "document"
)

// documentRequest is the body of a document request.
type documentRequest struct {
	ID       filing.DocID `json:"id"`
	WithText bool         `json:"with_text,omitempty"`
}

// Remote is a Searcher that asks the index owner over NATS request/reply.
type Remote struct {
	nc      *nats.Conn
	subject string
}

var (
	_ Searcher  = (*Remote)(nil)
	_ Documents = (*Remote)(nil)
)

// NewRemote returns a client sending requests to subject (bus.SearchSubject).
func NewRemote(nc *nats.Conn, subject string) *Remote { return &Remote{nc: nc, subject: subject} }

// Search sends q and waits for the answer until ctx ends.
func (r *Remote) Search(ctx context.Context, q Query) (*Result, error) {
	data, err := json.Marshal(q)
	if err != nil {
		return nil, err
	}
	resp, err := r.request(ctx, &nats.Msg{Subject: r.subject, Data: data}, "searching")
	if err != nil {
		return nil, err
	}
	switch {
	case resp.QueryError != nil:
		return nil, resp.QueryError
	case resp.Error != "":
		return nil, errors.New(resp.Error)
	case resp.Result == nil:
		return nil, errors.New("search reply holds neither a result nor an error")
	}
	return resp.Result, nil
}

// Document asks the index owner for one document.
func (r *Remote) Document(ctx context.Context, id filing.DocID, withText bool) (*Record, error) {
	data, err := json.Marshal(documentRequest{ID: id, WithText: withText})
	if err != nil {
		return nil, err
	}
	msg := &nats.Msg{Subject: r.subject, Data: data, Header: nats.Header{}}
	msg.Header.Set(headerOp, opDocument)
	resp, err := r.request(ctx, msg, "fetching document "+string(id))
	if err != nil {
		return nil, err
	}
	switch {
	case resp.NotFound:
		return nil, ErrNotFound
	case resp.QueryError != nil:
		return nil, resp.QueryError
	case resp.Error != "":
		return nil, errors.New(resp.Error)
	case resp.Record == nil:
		return nil, errors.New("document reply holds neither a record nor an error")
	}
	return resp.Record, nil
}

func (r *Remote) request(ctx context.Context, m *nats.Msg, action string) (*response, error) {
	msg, err := r.nc.RequestMsgWithContext(ctx, m)
	if errors.Is(err, nats.ErrNoResponders) {
		return nil, fmt.Errorf("%s: no index is serving %s", action, r.subject)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", action, err)
	}
	var resp response
	if err := json.Unmarshal(msg.Data, &resp); err != nil {
		return nil, fmt.Errorf("%s: decoding reply: %w", action, err)
	}
	return &resp, nil
}

// Serve answers requests on subject with s, in a queue group so that replicas of the
// same index share the load, up to concurrency at once (a subscription's callbacks run
// one at a time). When s also implements Documents, document requests are answered
// too. It returns the subscription; unsubscribe (or drain) to stop.
func Serve(nc *nats.Conn, subject string, s Searcher, concurrency int, log *slog.Logger) (*nats.Subscription, error) {
	sem := make(chan struct{}, max(concurrency, 1))
	return nc.QueueSubscribe(subject, "search", func(msg *nats.Msg) {
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			answer(nc, msg, s, log)
		}()
	})
}

func answer(nc *nats.Conn, msg *nats.Msg, s Searcher, log *slog.Logger) {
	var resp response
	var q Query
	if msg.Header.Get(headerOp) == opDocument {
		resp = answerDocument(msg, s, log)
	} else if err := json.Unmarshal(msg.Data, &q); err != nil {
		resp.QueryError = &QueryError{Message: "request is not a JSON query: " + err.Error(), Position: -1}
	} else if res, err := s.Search(context.Background(), q); err != nil {
		var qe *QueryError
		if errors.As(err, &qe) {
			resp.QueryError = qe
		} else {
			log.Error("search failed", "q", q.Q, "err", err)
			resp.Error = err.Error()
		}
	} else {
		resp.Result = res
	}
	data, _ := json.Marshal(resp)
	if max := nc.MaxPayload(); int64(len(data)) > max-1024 {
		// A reply over the server's max_payload would never arrive: say so instead of
		// leaving the client to time out.
		data, _ = json.Marshal(response{Error: fmt.Sprintf("reply of %d bytes exceeds the %d-byte message limit; ask for fewer hits", len(data), max)})
	}
	if err := msg.Respond(data); err != nil {
		log.Warn("answering search", "err", err)
	}
}

func answerDocument(msg *nats.Msg, s Searcher, log *slog.Logger) response {
	var resp response
	docs, ok := s.(Documents)
	if !ok {
		resp.Error = "this index owner does not serve documents"
		return resp
	}
	var req documentRequest
	if err := json.Unmarshal(msg.Data, &req); err != nil {
		resp.QueryError = &QueryError{Message: "request is not a JSON document request: " + err.Error(), Position: -1}
		return resp
	}
	rec, err := docs.Document(context.Background(), req.ID, req.WithText)
	switch {
	case errors.Is(err, ErrNotFound):
		resp.NotFound = true
	case err != nil:
		log.Error("fetching document", "doc_id", req.ID, "err", err)
		resp.Error = err.Error()
	default:
		resp.Record = rec
	}
	return resp
}
