package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/nats-io/nats.go"
)

// response is the reply on the wire: a result or an error, never both.
type response struct {
	Result     *Result     `json:"result,omitempty"`
	QueryError *QueryError `json:"query_error,omitempty"`
	Error      string      `json:"error,omitempty"`
}

// Remote is a Searcher that asks the index owner over NATS request/reply.
type Remote struct {
	nc      *nats.Conn
	subject string
}

var _ Searcher = (*Remote)(nil)

// NewRemote returns a client sending requests to subject (bus.SearchSubject).
func NewRemote(nc *nats.Conn, subject string) *Remote { return &Remote{nc: nc, subject: subject} }

// Search sends q and waits for the answer until ctx ends.
func (r *Remote) Search(ctx context.Context, q Query) (*Result, error) {
	data, err := json.Marshal(q)
	if err != nil {
		return nil, err
	}
	msg, err := r.nc.RequestWithContext(ctx, r.subject, data)
	if errors.Is(err, nats.ErrNoResponders) {
		return nil, fmt.Errorf("searching: no index is serving %s", r.subject)
	}
	if err != nil {
		return nil, fmt.Errorf("searching: %w", err)
	}
	var resp response
	if err := json.Unmarshal(msg.Data, &resp); err != nil {
		return nil, fmt.Errorf("decoding search reply: %w", err)
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

// Serve answers requests on subject with s, in a queue group so that replicas of the
// same index share the load, up to concurrency at once (a subscription's callbacks run
// one at a time). It returns the subscription; unsubscribe (or drain) to stop.
func Serve(nc *nats.Conn, subject string, s Searcher, concurrency int, log *slog.Logger) (*nats.Subscription, error) {
	sem := make(chan struct{}, max(concurrency, 1))
	return nc.QueueSubscribe(subject, "search", func(msg *nats.Msg) {
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			answer(msg, s, log)
		}()
	})
}

func answer(msg *nats.Msg, s Searcher, log *slog.Logger) {
	var resp response
	var q Query
	if err := json.Unmarshal(msg.Data, &q); err != nil {
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
	if err := msg.Respond(data); err != nil {
		log.Warn("answering search", "err", err)
	}
}
