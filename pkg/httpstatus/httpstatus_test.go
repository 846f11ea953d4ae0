package httpstatus_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/httpstatus"
)

// serve runs h behind a Writer and checks the status it recorded and the one sent.
func serve(t *testing.T, h http.HandlerFunc, want int) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	w := httpstatus.Wrap(rec)
	h(w, httptest.NewRequest("GET", "/", nil))
	if w.Code != want || rec.Code != want {
		t.Errorf("recorded %d, sent %d; want %d", w.Code, rec.Code, want)
	}
	return rec
}

func TestWriterRecordsTheStatus(t *testing.T) {
	serve(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }, http.StatusOK)
	serve(t, http.NotFound, http.StatusNotFound)
	serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusConflict)
		w.WriteHeader(http.StatusOK) // ignored by the server: the status is sent
	}, http.StatusConflict)
	serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("sent with 200"))
		w.WriteHeader(http.StatusInternalServerError) // too late
	}, http.StatusOK)
}

func TestWriterStreams(t *testing.T) {
	rec := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("flush through the writer: %v", err)
		}
	}, http.StatusAccepted)
	if !rec.Flushed {
		t.Error("the flush did not reach the connection's writer")
	}
	serve(t, func(w http.ResponseWriter, r *http.Request) {
		http.NewResponseController(w).Flush()
		w.WriteHeader(http.StatusInternalServerError) // too late: the flush sent 200
	}, http.StatusOK)
}

// duplexWriter is a connection's writer that offers what only Unwrap can reach.
type duplexWriter struct {
	*httptest.ResponseRecorder
	duplex bool
}

func (d *duplexWriter) EnableFullDuplex() error { d.duplex = true; return nil }

func TestWriterUnwraps(t *testing.T) {
	d := &duplexWriter{ResponseRecorder: httptest.NewRecorder()}
	if err := http.NewResponseController(httpstatus.Wrap(d)).EnableFullDuplex(); err != nil || !d.duplex {
		t.Errorf("full duplex through the writer: %v, reached %v; want the connection's writer reached", err, d.duplex)
	}
}
