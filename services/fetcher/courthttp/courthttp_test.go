package courthttp

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestClientGivesUpOnASilentServer: a server that accepts the request and never starts
// its answer costs the client firstByte, not for ever; one that answers is read.
func TestClientGivesUpOnASilentServer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/silent" {
			<-r.Context().Done() // until the client gives up
			return
		}
		if r.Header.Get("User-Agent") != UserAgent {
			http.Error(w, "no user agent", http.StatusForbidden)
			return
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	c := Client(time.Second, 200*time.Millisecond, 1)

	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/feed", nil)
	req.Header.Set("User-Agent", UserAgent)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d; want 200", resp.StatusCode)
	}

	start := time.Now()
	_, err = c.Get(srv.URL + "/silent")
	if err == nil || !strings.Contains(err.Error(), "timeout awaiting response headers") {
		t.Fatalf("err = %v; want a response header timeout", err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("gave up after %v; want about 200ms", took)
	}
}
