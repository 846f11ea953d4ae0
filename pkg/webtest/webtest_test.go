package webtest_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/webtest"
)

// TestGetReadsAnyAnswer: an error status is an answer like any other, read whole with
// its headers; only a missing answer fails the test.
func TestGetReadsAnyAnswer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Path", r.URL.Path)
		http.Error(w, "no such thing", http.StatusNotFound)
	}))
	defer srv.Close()
	r := webtest.Get(t, srv.URL+"/missing")
	if r.Status != http.StatusNotFound || r.Header.Get("X-Path") != "/missing" || string(r.Body) != "no such thing\n" {
		t.Errorf("got %d %v %q; want 404 with X-Path /missing and the message", r.Status, r.Header, r.Body)
	}
}
