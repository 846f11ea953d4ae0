// Package webtest asks the HTTP servers a test starts: one GET, its answer read whole,
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
	req, err := http.NewRequestWithContext(tb.Context(), http.MethodGet, url, nil)
	if err != nil {
		tb.Fatal(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		tb.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("GET %s: reading the answer: %v", url, err)
	}
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: body}
}
