package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/webtest"
)

// serve starts a loopback server over the routes mount adds to a mux (AdminRoutes,
// AlertRoutes) and returns its URL; it stops when the test ends.
func serve(t testing.TB, mount func(*http.ServeMux)) string {
	t.Helper()
	mux := http.NewServeMux()
	mount(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

// request sends a request to the server at base with the API token (none when empty)
// and returns the whole answer (webtest.Do).
func request(t testing.TB, base, method, path, token, body string) webtest.Response {
	t.Helper()
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return webtest.Do(t, req)
}

// send is request for a test that needs only the status and the body.
func send(t testing.TB, base, method, path, token, body string) (int, []byte) {
	t.Helper()
	r := request(t, base, method, path, token, body)
	return r.Status, r.Body
}
