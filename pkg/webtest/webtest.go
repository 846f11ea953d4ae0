// Package webtest asks the HTTP servers a test starts: one request, its answer read whole,
// the test failed on a transport error. What the tests need, nothing for production code.
package webtest

import (
	"io"
	"net/http"
	"testing"
	"time"
)

// Response is an answer read whole.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// client bounds every request: a server that hangs fails the test in a minute rather
// than holding it until go test's own timeout.
var client = &http.Client{Timeout: time.Minute}

// Get GETs url and reads the whole answer, whatever its status; it fails the test when
// no answer comes (a refused connection, the timeout, a body cut short). A test that
// polls a server still starting asks with its own client instead.
func Get(tb testing.TB, url string) Response {
	tb.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return Do(tb, req)
}

// Do is Get for any request (a POST with a body, a bearer token): sent under the test's
// context, its answer read whole, the test failed when none comes.
func Do(tb testing.TB, req *http.Request) Response {
	tb.Helper()
	what := req.Method + " " + req.URL.String()
	resp, err := client.Do(req.WithContext(tb.Context()))
	if err != nil {
		tb.Fatalf("%s: %v", what, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("%s: reading the answer: %v", what, err)
	}
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: body}
}
