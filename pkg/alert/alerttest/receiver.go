package alerttest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/alert"
)

// Receiver is a webhook endpoint on loopback that records every request it gets.
type Receiver struct {
	URL string
	mu  sync.Mutex
	got []Delivery
}

// Delivery is one request a Receiver got: its headers, its body as sent (for signature
// checks) and the event decoded from it.
type Delivery struct {
	Header http.Header
	Body   []byte
	Event  alert.Event
}

// NewReceiver starts a Receiver, closed at the end of the test.
func NewReceiver(tb testing.TB) *Receiver {
	r := &Receiver{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(req.Body, 1<<20))
		var e alert.Event
		_ = json.Unmarshal(body, &e)
		r.mu.Lock()
		r.got = append(r.got, Delivery{Header: req.Header.Clone(), Body: body, Event: e})
		r.mu.Unlock()
	}))
	tb.Cleanup(srv.Close)
	r.URL = srv.URL
	return r
}

// Deliveries are the requests received so far, in order.
func (r *Receiver) Deliveries() []Delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Delivery(nil), r.got...)
}
