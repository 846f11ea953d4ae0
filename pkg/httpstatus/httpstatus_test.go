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
}
