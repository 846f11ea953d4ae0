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
	mux := http.NewServeMux()
	mux.HandleFunc("GET /found", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/csv")
		w.Write([]byte("a,b\n1,2\n"))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for _, tt := range []struct {
		path, wantType, wantBody string
		wantStatus               int
	}{
		{"/found", "text/csv", "a,b\n1,2\n", http.StatusOK},
		{"/missing", "text/plain; charset=utf-8", "404 page not found\n", http.StatusNotFound},
	} {
		r := webtest.Get(t, srv.URL+tt.path)
		if r.Status != tt.wantStatus || r.Header.Get("Content-Type") != tt.wantType || string(r.Body) != tt.wantBody {
			t.Errorf("GET %s: got %d %q %q; want %d %q %q", tt.path, r.Status, r.Header.Get("Content-Type"), r.Body, tt.wantStatus, tt.wantType, tt.wantBody)
		}
	}
}
