package httpstatus_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/httpstatus"
)

func TestWriterRecordsTheStatusAndStreams(t *testing.T) {
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		want    int
	}{
		{"body only", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }, http.StatusOK},
		{"not found", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }, http.StatusNotFound},
		{"flushed", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusAccepted)
			if err := http.NewResponseController(w).Flush(); err != nil {
				t.Errorf("flush through the writer: %v", err)
			}
		}, http.StatusAccepted},
	} {
		rec := httptest.NewRecorder()
		w := httpstatus.Wrap(rec)
		tc.handler(w, httptest.NewRequest("GET", "/", nil))
		if w.Code != tc.want || rec.Code != tc.want {
			t.Errorf("%s: recorded %d, sent %d; want %d", tc.name, w.Code, rec.Code, tc.want)
		}
		if tc.name == "flushed" && !rec.Flushed {
			t.Errorf("%s: the flush did not reach the connection's writer", tc.name)
		}
	}
}
