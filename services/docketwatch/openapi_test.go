package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/poll"
	"github.com/docketwatch/docketwatch/pkg/webtest"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// TestOpenAPIDescribesEveryEndpoint calls every operation of /api/openapi.json on a real
// pipeline (an indexed filing, a parked one, a rule, a job) and validates each request
// and answer against the description with kin-openapi; an operation not called, or an
// answer the description does not allow, fails. The description is what the server
// serves, so it cannot drift from the code unnoticed.
func TestOpenAPIDescribesEveryEndpoint(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a pipeline")
	}
	n := startNode(t, t.TempDir(), "127.0.0.1:0")
	junk := filepath.Join(t.TempDir(), "junk.pdf")
	writeFile(t, junk, []byte("%PDF-1.4 this is not really a pdf"))
	ingestPaths(t, n, filepath.Join("testdata", "ca7_3.pdf"), junk)
	v := newAPIValidator(t, n.HTTPURL)

	var res struct {
		Hits []struct{ ID string } `json:"hits"`
	}
	v.call("GET", "/api/v1/search?q=court&facets=court,year&limit=5", nil, 200, &res)
	v.call("GET", "/api/v1/search?q=court:(", nil, 400, nil)
	v.call("GET", "/api/v1/search/export?q=court", nil, 200, nil)
	if len(res.Hits) == 0 {
		t.Fatal("search found nothing to read")
	}
	doc := "/api/v1/documents/" + res.Hits[0].ID
	v.call("GET", doc, nil, 200, nil)
	v.call("GET", doc+"/text?page=1", nil, 200, nil)
	v.call("GET", doc+"/pdf", nil, 200, nil)
	v.call("GET", "/api/v1/documents/sha256:0000", nil, 404, nil)

	var rule struct{ ID string }
	v.call("POST", "/api/v1/alerts", map[string]any{"name": "orders", "query": "court", "webhook": map[string]any{"url": "https://hooks.example.com/docketwatch", "secret": "s3cret"}}, 201, &rule)
	v.call("POST", "/api/v1/alerts", map[string]any{"name": "bad", "query": "court:("}, 400, nil)
	v.call("GET", "/api/v1/alerts", nil, 200, nil)
	v.call("GET", "/api/v1/alerts/"+rule.ID, nil, 200, nil)
	// A filing indexed after the rule matches it: its webhook (a name that does not resolve
	// here, and no public address) fails, so the rule's answer carries a real delivery
	// status, the alert waiting to be retried.
	ingestPaths(t, n, filepath.Join("testdata", "ca2_1-1.pdf"))
	var status struct {
		Webhook struct {
			LastError      string `json:"last_error"`
			PendingRetries int    `json:"pending_retries"`
		} `json:"webhook"`
	}
	poll.Until(t, 60*time.Second, "the webhook's failure in the rule's answer", func() bool {
		v.call("GET", "/api/v1/alerts/"+rule.ID, nil, 200, &status)
		return status.Webhook.PendingRetries > 0 && status.Webhook.LastError != ""
	})
	v.call("POST", "/api/v1/alerts/"+rule.ID+"/enable", nil, 200, nil)
	v.call("GET", "/api/v1/alerts/"+rule.ID+"/feed.atom", nil, 200, nil)
	v.call("DELETE", "/api/v1/alerts/"+rule.ID, nil, 204, nil)
	v.call("GET", "/api/v1/alerts/"+rule.ID, nil, 404, nil)

	// DEAD before the job: a re-extract job of failed documents takes the parked junk out of
	// DEAD at once (it is parked again when its extraction fails again).
	var dead struct {
		Parked []struct{ Seq uint64 } `json:"parked"`
	}
	v.call("GET", "/api/v1/dead", nil, 200, &dead)
	if len(dead.Parked) == 0 {
		t.Fatal("nothing parked to show")
	}
	seq := fmt.Sprint(dead.Parked[0].Seq)
	v.call("GET", "/api/v1/dead/"+seq, nil, 200, nil)
	v.call("POST", "/api/v1/dead/"+seq+"/retry", nil, 200, nil)
	v.call("GET", "/api/v1/dead/999999", nil, 404, nil)

	var job struct{ ID string }
	v.call("POST", "/api/v1/jobs", map[string]any{"kind": "reextract", "selection": map[string]any{"failed": true}}, 201, &job)
	v.call("GET", "/api/v1/jobs", nil, 200, nil)
	v.call("GET", "/api/v1/jobs/"+job.ID, nil, 200, nil)
	v.call("POST", "/api/v1/jobs/"+job.ID+"/cancel", nil, 200, nil)

	v.checkEveryOperationCalled()
	v.checkPage()
}

// checkPage: /api/ is a page for people naming every operation, self-contained (no
// script, nothing loaded from elsewhere).
func (v *apiValidator) checkPage() {
	t := v.t
	page := string(getWant(t, v.base+"/api/", http.StatusOK))
	for path, item := range v.doc.Paths.Map() {
		for method := range item.Operations() {
			if !strings.Contains(page, `<span class="method">`+method+`</span> <code>`+path+`</code>`) {
				t.Errorf("/api/ does not show %s %s", method, path)
			}
		}
	}
	for _, bad := range []string{"<script", "src=\"http", "href=\"http", "@import"} {
		if strings.Contains(page, bad) {
			t.Errorf("/api/ holds %q: it must work offline", bad)
		}
	}
}

// apiValidator calls the API and validates each exchange against the description the
// server serves.
type apiValidator struct {
	t      *testing.T
	base   string
	doc    *openapi3.T
	router routers.Router
	called map[string]bool
}

func newAPIValidator(t *testing.T, base string) *apiValidator {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(getWant(t, base+"/api/openapi.json", http.StatusOK))
	if err != nil {
		t.Fatalf("loading the description: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Errorf("the description is OpenAPI %s; want 3.1", doc.OpenAPI)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the description is not valid OpenAPI: %v", err)
	}
	// The router matches on the servers' URLs: make the description's "/" this server.
	doc.Servers = openapi3.Servers{{URL: base}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &apiValidator{t: t, base: base, doc: doc, router: router, called: map[string]bool{}}
}

// call makes one request (with the token), checks its status, validates the exchange,
// and decodes a JSON answer into out when given.
func (v *apiValidator) call(method, path string, body any, wantStatus int, out any) {
	t := v.t
	t.Helper()
	var reqBody []byte
	if body != nil {
		reqBody, _ = json.Marshal(body)
	}
	req, err := http.NewRequest(method, v.base+path, bytes.NewReader(reqBody))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer test-token")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp := webtest.Do(t, req)
	raw := resp.Body
	if resp.Status != wantStatus {
		t.Fatalf("%s %s: %d; want %d: %s", method, path, resp.Status, wantStatus, raw)
	}
	// Validate the request as sent, against a copy with its body restored.
	vreq, _ := http.NewRequest(method, v.base+path, bytes.NewReader(reqBody))
	vreq.Header = req.Header.Clone()
	route, params, err := v.router.FindRoute(vreq)
	if err != nil {
		t.Errorf("%s %s: the description has no such operation: %v", method, readablePath(path), err)
		return
	}
	v.called[route.Operation.OperationID] = true
	in := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		t.Errorf("%s %s: the request does not fit the description: %v", method, readablePath(path), err)
	}
	rin := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.Status, Header: resp.Header,
		Body: io.NopCloser(bytes.NewReader(raw)), Options: &openapi3filter.Options{MultiError: true, IncludeResponseStatus: true}}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || resp.Status >= 300 {
		if err := openapi3filter.ValidateResponse(context.Background(), rin); err != nil {
			t.Errorf("%s %s: the answer (%d) does not fit the description: %v\n%s", method, readablePath(path), resp.Status, err, raw)
		}
	} else if err := openapi3filter.ValidateResponse(context.Background(), withoutBody(rin)); err != nil {
		// NDJSON, text, PDF, Atom: the status and the media type are checked.
		t.Errorf("%s %s: the answer (%d, %s) does not fit the description: %v", method, readablePath(path), resp.Status, resp.Header.Get("Content-Type"), err)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

func withoutBody(in *openapi3filter.ResponseValidationInput) *openapi3filter.ResponseValidationInput {
	out := *in
	out.Options = &openapi3filter.Options{ExcludeResponseBody: true, IncludeResponseStatus: true}
	return &out
}

func readablePath(p string) string {
	s, err := url.PathUnescape(p)
	if err != nil {
		return p
	}
	return s
}

// checkEveryOperationCalled fails for each operation of the description no call reached.
func (v *apiValidator) checkEveryOperationCalled() {
	for path, item := range v.doc.Paths.Map() {
		for method, op := range item.Operations() {
			if !v.called[op.OperationID] {
				v.t.Errorf("%s %s (%s) was never called: the test does not check it", method, path, op.OperationID)
			}
		}
	}
}
