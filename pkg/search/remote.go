package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync/atomic"
	"time"

	"github.com/docketwatch/docketwatch/pkg/config"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/telemetry/tracing"
	"github.com/nats-io/nats.go"
	"go.opentelemetry.io/otel/attribute"
	"golang.org/x/sync/errgroup"
)

// response is the reply on the wire: a result (or record) or an error, never both, and
// which shard of how many answered.
type response struct {
	Shard      int         `json:"shard,omitempty"`
	Shards     int         `json:"shards,omitempty"`
	Result     *Result     `json:"result,omitempty"`
	Record     *Record     `json:"record,omitempty"`
	Stats      *TermStats  `json:"stats,omitempty"`
	NotFound   bool        `json:"not_found,omitempty"`
	QueryError *QueryError `json:"query_error,omitempty"`
	Error      string      `json:"error,omitempty"`
}

// err is the error a shard answered, if any: the query's (a *QueryError) or the index's.
func (r *response) err() error {
	switch {
	case r.QueryError != nil:
		return r.QueryError
	case r.Error != "":
		return errors.New(r.Error)
	}
	return nil
}

// headerOp says what a request on the search subject asks for: absent for a search,
// opDocument for a document by id, opStats for a shard's TermStats of a query, opScored
// for a search scored with the collection's TermStats. One subject keeps one queue group
// and one subscription per index owner.
const (
	headerOp   = "Docketwatch-Op"
	opDocument = "document"
	opStats    = "stats"
	opScored   = "scored"
)

// scoredRequest is the body of an opScored request.
type scoredRequest struct {
	Query Query      `json:"query"`
	Stats *TermStats `json:"stats"`
}

// documentRequest is the body of a document request.
type documentRequest struct {
	ID       filing.DocID `json:"id"`
	WithText bool         `json:"with_text,omitempty"`
}

// Remote is a Searcher that asks the index owners over NATS: one request, answered by
// one replica of every shard, whose answers it merges. Each answer says which shard of
// how many sent it, so the client needs no configuration and knows which are missing.
type Remote struct {
	nc      *nats.Conn
	subject string
	// Timeout bounds how long the first answer is awaited when ctx has no deadline
	// (default 30 s): with no index serving, or every shard stuck, the call fails with
	// ErrNoAnswer rather than waiting forever.
	Timeout time.Duration
	// ShardWait bounds how long the other shards are awaited after the first answer
	// when ctx has no deadline (default 10 s); a shard later than that is reported
	// missing in Result.MissingShards.
	ShardWait time.Duration
	// shards is the shard count learnt from the last answer (0 before the first): unless
	// it is 1, facets are asked for in full so that their merged counts are exact.
	shards atomic.Int32
}

// ErrNoAnswer says no index shard answered a request in time.
var ErrNoAnswer = errors.New("no shard answered")

var (
	_ Searcher  = (*Remote)(nil)
	_ Documents = (*Remote)(nil)
)

// NewRemote returns a client sending requests to subject (bus.SearchSubject).
func NewRemote(nc *nats.Conn, subject string) *Remote { return &Remote{nc: nc, subject: subject} }

// Search sends q to every shard and merges their answers.
//
// Facet counts summed over shards are exact only if every shard sends every term that
// may reach the merged top FacetSize: a term ranked 11th on one shard and 1st on the
// others is missing from the first shard's top 10. So unless the index is known to be
// one shard, facets are asked for with MaxFacetSize and the merge cuts them to the size
// asked. Before the first answer the shard count is unknown; asking in full then costs
// a single index somewhat larger facets once, where asking small and finding out costs
// a sharded index a second round trip. If the count was learnt as 1 and the answers now
// come from several shards (the index was re-sharded), the query is asked again in full.
//
// Scores are comparable across shards only if each shard scores with the collection's
// figures: so a query with words first asks every shard for its TermStats, and then
// searches with their sum (searchShards).
func (r *Remote) Search(ctx context.Context, q Query) (*Result, error) {
	asked := q
	if r.shards.Load() != 1 && len(q.Facets) > 0 {
		asked.FacetSize = MaxFacetSize
	}
	resps, missing, statsAsked, err := r.searchShards(ctx, asked)
	if err != nil {
		return nil, err
	}
	if n := len(resps) + len(missing); n > 1 &&
		(len(q.Facets) > 0 && asked.FacetSize < MaxFacetSize || !statsAsked && NeedsCollectionStats(q)) {
		if len(q.Facets) > 0 {
			asked.FacetSize = MaxFacetSize
		}
		if resps, missing, _, err = r.searchShards(ctx, asked); err != nil {
			return nil, err
		}
	}
	var results []*Result
	for _, resp := range resps {
		if err := resp.err(); err != nil {
			return nil, err
		}
		if resp.Result == nil {
			return nil, errors.New("search reply holds neither a result nor an error")
		}
		results = append(results, resp.Result)
	}
	if len(results) == 1 && len(missing) == 0 {
		res := results[0]
		if asked.FacetSize != q.FacetSize {
			nq, _ := q.Normalize()
			res.Facets = mergeFacets(nq, results) // cut to the size asked, Other recounted
		}
		return res, nil
	}
	res := merge(q, results)
	res.Partial, res.MissingShards = len(missing) > 0, missing
	return res, nil
}

// searchShards sends one query and collects the shards' answers. Unless the index is
// known to be one shard, a query with words is sent in two rounds: the shards'
// TermStats, then the search scored with their sum; statsAsked says the first was sent.
// A shard that misses the first round scores, like the others, with the figures of
// those that answered. If any shard cannot score with the collection's figures (one of
// an older release), each scores with its own.
func (r *Remote) searchShards(ctx context.Context, q Query) (resps []*response, missing []int, statsAsked bool, err error) {
	data, err := json.Marshal(q)
	if err != nil {
		return nil, nil, false, err
	}
	// scoredLocally is the search in one round, each shard scoring with its own figures.
	scoredLocally := func(statsAsked bool) ([]*response, []int, bool, error) {
		resps, missing, err := r.gather(ctx, &nats.Msg{Subject: r.subject, Data: data}, "searching")
		return resps, missing, statsAsked, err
	}
	if r.shards.Load() == 1 || !NeedsCollectionStats(q) {
		return scoredLocally(false)
	}
	msg := &nats.Msg{Subject: r.subject, Data: data, Header: nats.Header{}}
	msg.Header.Set(headerOp, opStats)
	// A deadline is shared by the rounds: a silent shard, waited for until the deadline
	// in the first, would leave none for the second.
	statsCtx := ctx
	if deadline, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		statsCtx, cancel = context.WithDeadline(ctx, time.Now().Add(time.Until(deadline)/2))
		defer cancel()
	}
	statsResps, late, err := r.gather(statsCtx, msg, "collecting term statistics")
	if errors.Is(err, ErrNoAnswer) && ctx.Err() == nil {
		// No shard answered in half the time: the search says what the rest finds.
		return scoredLocally(true)
	}
	if err != nil {
		return nil, nil, false, err
	}
	sum := &TermStats{}
	for _, resp := range statsResps {
		switch {
		case resp.QueryError != nil:
			return nil, nil, false, resp.QueryError
		case resp.Stats == nil:
			return scoredLocally(true)
		}
		sum.Add(resp.Stats)
	}
	if data, err = json.Marshal(scoredRequest{Query: q, Stats: sum}); err != nil {
		return nil, nil, false, err
	}
	msg = &nats.Msg{Subject: r.subject, Data: data, Header: nats.Header{}}
	msg.Header.Set(headerOp, opScored)
	resps, missing, err = r.gather(ctx, msg, "searching", late...)
	return resps, missing, true, err
}

// Document asks the index owner for one document.
func (r *Remote) Document(ctx context.Context, id filing.DocID, withText bool) (*Record, error) {
	data, err := json.Marshal(documentRequest{ID: id, WithText: withText})
	if err != nil {
		return nil, err
	}
	msg := &nats.Msg{Subject: r.subject, Data: data, Header: nats.Header{}}
	msg.Header.Set(headerOp, opDocument)
	resps, missing, err := r.gather(ctx, msg, "fetching document "+string(id))
	if err != nil {
		return nil, err
	}
	// The document lives on one shard; the others answer that they lack it.
	for _, resp := range resps {
		if err := resp.err(); err != nil {
			return nil, err
		}
		if resp.Record != nil {
			return resp.Record, nil
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("document %s: not on the shards that answered; shards %v did not answer", id, missing)
	}
	return nil, ErrNotFound
}

// gather sends m once and collects one answer from every shard: the first answer says
// how many shards there are. It returns the answers and the shards that did not answer
// within ctx's deadline (or ShardWait after the first answer). The late shards (those
// that missed the round before) are not waited for again: they are kept if they answer
// while the others do.
func (r *Remote) gather(ctx context.Context, m *nats.Msg, action string, late ...int) ([]*response, []int, error) {
	// The request's span, whose context every shard's answer continues.
	ctx, span := tracing.StartClient(ctx, spanName(m.Header)+" request", attribute.String("docketwatch.search.action", action))
	if m.Header == nil {
		m.Header = nats.Header{}
	}
	tracing.Inject(ctx, m.Header)
	resps, missing, err := r.gatherAnswers(ctx, m, action, late)
	if len(missing) > 0 {
		span.SetAttributes(attribute.IntSlice("docketwatch.search.missing_shards", missing))
	}
	tracing.End(span, "", err)
	return resps, missing, err
}

// gatherAnswers does gather's work.
func (r *Remote) gatherAnswers(ctx context.Context, m *nats.Msg, action string, late []int) ([]*response, []int, error) {
	inbox := r.nc.NewRespInbox()
	sub, err := r.nc.SubscribeSync(inbox)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", action, err)
	}
	defer sub.Unsubscribe()
	m.Reply = inbox
	if err := r.nc.PublishMsg(m); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", action, err)
	}
	got := map[int]*response{}
	shards := 1
	wait := ctx
	first := time.Duration(0) // the bound on the first answer, when ctx gives none
	if _, ok := ctx.Deadline(); !ok {
		first = config.Default(r.Timeout, 30*time.Second)
		var cancel context.CancelFunc
		wait, cancel = context.WithTimeout(ctx, first)
		defer cancel()
	}
	awaited := func() bool {
		for i := range shards {
			if _, ok := got[i]; !ok && !slices.Contains(late, i) {
				return false
			}
		}
		return true
	}
	for len(got) == 0 || !awaited() {
		msg, err := sub.NextMsgWithContext(wait)
		if err != nil {
			if len(got) > 0 {
				break // the shards still missing are reported, not waited for
			}
			if ctx.Err() == nil && first > 0 {
				return nil, nil, fmt.Errorf("%s: %w within %v", action, ErrNoAnswer, first)
			}
			if errors.Is(err, context.DeadlineExceeded) {
				return nil, nil, fmt.Errorf("%s: %w before the deadline: %w", action, ErrNoAnswer, err)
			}
			return nil, nil, fmt.Errorf("%s: %w", action, err)
		}
		if len(msg.Data) == 0 && msg.Header.Get("Status") == "503" {
			return nil, nil, fmt.Errorf("%s: no index is serving %s", action, r.subject)
		}
		var resp response
		if err := json.Unmarshal(msg.Data, &resp); err != nil {
			return nil, nil, fmt.Errorf("%s: decoding reply: %w", action, err)
		}
		if len(got) == 0 {
			shards = max(resp.Shards, 1)
			r.shards.Store(int32(shards))
			if first > 0 {
				d := config.Default(r.ShardWait, 10*time.Second)
				var cancel context.CancelFunc
				wait, cancel = context.WithTimeout(ctx, d)
				defer cancel()
			}
		}
		if _, dup := got[resp.Shard]; !dup && resp.Shard < shards {
			got[resp.Shard] = &resp
		}
	}
	out := make([]*response, 0, len(got))
	var missing []int
	for i := range shards {
		if resp, ok := got[i]; ok {
			out = append(out, resp)
		} else {
			missing = append(missing, i)
		}
	}
	return out, missing, nil
}

// Serve answers requests on subject with s, the whole collection's index.
func Serve(nc *nats.Conn, subject string, s Searcher, concurrency int, log *slog.Logger) (*nats.Subscription, error) {
	return ServeShard(nc, subject, s, Shard{}, concurrency, log)
}

// ServeShard answers requests on subject with s, the index of one shard, up to
// concurrency at once (a subscription's callbacks run one at a time). Replicas of the
// same shard share a queue group, so one of them answers each request; every shard
// answers it. When s also implements Documents, document requests are answered too. It
// returns the subscription; unsubscribe (or drain) to stop.
func ServeShard(nc *nats.Conn, subject string, s Searcher, shard Shard, concurrency int, log *slog.Logger) (*nats.Subscription, error) {
	if err := shard.Validate(); err != nil {
		return nil, err
	}
	// The callback waits for a free slot: requests beyond concurrency queue in the
	// subscription's pending buffer.
	var answering errgroup.Group
	answering.SetLimit(max(concurrency, 1))
	group := fmt.Sprintf("search-%d-of-%d", shard.Index, shard.count())
	sub, err := nc.QueueSubscribe(subject, group, func(msg *nats.Msg) {
		answering.Go(func() error {
			answer(nc, msg, s, shard, log)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	// The server knows the subscription once this returns: a caller that says it serves
	// (a process starting) must not meet "no responders" from a search sent right after.
	if err := nc.Flush(); err != nil {
		sub.Unsubscribe()
		return nil, fmt.Errorf("subscribing to %s: %w", subject, err)
	}
	return sub, nil
}

// spanName names the spans of a request: the statistics round apart from the searches.
func spanName(h nats.Header) string {
	if h.Get(headerOp) == opStats {
		return "term statistics"
	}
	return "search"
}

func answer(nc *nats.Conn, msg *nats.Msg, s Searcher, shard Shard, log *slog.Logger) {
	ctx, span := tracing.StartConsume(context.Background(), spanName(msg.Header)+" shard "+shard.String(), msg.Header)
	resp := response{Shard: shard.Index, Shards: shard.count()}
	defer func() {
		var err error
		if resp.Error != "" {
			err = errors.New(resp.Error)
		}
		tracing.End(span, "", err)
	}()
	switch msg.Header.Get(headerOp) {
	case opDocument:
		resp = answerDocument(ctx, msg, s, log)
	case opStats:
		resp = answerStats(ctx, msg, s, shard, log)
	case opScored:
		resp = answerScored(ctx, msg, s, log)
	default:
		if q, qe := decodeQuery(msg); qe != nil {
			resp.QueryError = qe
		} else {
			resp = searchAnswer(s.Search(ctx, q))
			if resp.Error != "" {
				log.Error("search failed", "q", q.Q, "err", resp.Error)
			}
		}
	}
	resp.Shard, resp.Shards = shard.Index, shard.count()
	data, _ := json.Marshal(resp)
	if max := nc.MaxPayload(); int64(len(data)) > max-1024 {
		// A reply over the server's max_payload would never arrive: say so instead of
		// leaving the client to time out.
		data, _ = json.Marshal(response{Shard: shard.Index, Shards: shard.count(),
			Error: fmt.Sprintf("reply of %d bytes exceeds the %d-byte message limit; ask for fewer hits", len(data), max)})
	}
	if err := msg.Respond(data); err != nil {
		log.Warn("answering search", "err", err)
	}
}

// decodeQuery reads the query a request carries.
func decodeQuery(msg *nats.Msg) (Query, *QueryError) {
	var q Query
	if err := json.Unmarshal(msg.Data, &q); err != nil {
		return q, &QueryError{Message: "request is not a JSON query: " + err.Error(), Position: -1}
	}
	return q, nil
}

// searchAnswer is the answer of a search that returned res or err.
func searchAnswer(res *Result, err error) response {
	var resp response
	var qe *QueryError
	switch {
	case errors.As(err, &qe):
		resp.QueryError = qe
	case err != nil:
		resp.Error = err.Error()
	default:
		resp.Result = res
	}
	return resp
}

// answerStats answers an opStats request. An index that cannot score with the
// collection's figures answers without them, and the client falls back.
func answerStats(ctx context.Context, msg *nats.Msg, s Searcher, shard Shard, log *slog.Logger) response {
	var resp response
	scorer, ok := s.(CollectionScorer)
	if !ok {
		return resp
	}
	q, qe := decodeQuery(msg)
	if qe != nil {
		resp.QueryError = qe
		return resp
	}
	st, err := scorer.TermStats(ctx, q)
	switch {
	case errors.As(err, &qe):
		resp.QueryError = qe
	case err != nil:
		// The others' figures are summed without this shard's.
		log.Warn("collecting term statistics", "q", q.Q, "err", err)
		resp.Stats = &TermStats{}
	default:
		st.Shards = []int{shard.Index}
		resp.Stats = st
	}
	return resp
}

// answerScored answers an opScored request.
func answerScored(ctx context.Context, msg *nats.Msg, s Searcher, log *slog.Logger) response {
	var req scoredRequest
	if err := json.Unmarshal(msg.Data, &req); err != nil || req.Stats == nil {
		return response{QueryError: &QueryError{Message: "request is not a JSON scored query", Position: -1}}
	}
	scorer, ok := s.(CollectionScorer)
	if !ok {
		return response{Error: "this index owner cannot score with the collection's term statistics"}
	}
	resp := searchAnswer(scorer.SearchWithStats(ctx, req.Query, req.Stats))
	if resp.Error != "" {
		log.Error("search failed", "q", req.Query.Q, "err", resp.Error)
	}
	return resp
}

func answerDocument(ctx context.Context, msg *nats.Msg, s Searcher, log *slog.Logger) response {
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
	rec, err := docs.Document(ctx, req.ID, req.WithText)
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
