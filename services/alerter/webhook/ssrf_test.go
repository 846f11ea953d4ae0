package webhook

import (
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/alert"
)

// TestDialerChecksResolvedAddress: a webhook URL whose host is a name passes the URL
// check, which cannot know where the name points; the dialer sees the address the name
// resolved to and refuses a private one, so a DNS answer (or a later rebinding) cannot
// turn a webhook against the machine or its network.
func TestDialerChecksResolvedAddress(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())

	names := []string{"localhost", "127.0.0.1"}
	// The machine's own name resolves to one of its addresses, all private or loopback
	// here; the URL check lets every one pass (the delivering server decides).
	if h, err := os.Hostname(); err == nil {
		if addrs, err := net.LookupHost(h); err == nil && len(addrs) > 0 {
			ip := net.ParseIP(addrs[0])
			if ip != nil && !alert.PublicIP(ip) {
				names = append(names, h)
			}
		}
	}
	for _, name := range names {
		url := "http://" + net.JoinHostPort(name, port) + "/hook"
		_, err := SafeClient(2*time.Second, false).Post(url, "application/json", strings.NewReader("{}"))
		if err == nil || !strings.Contains(err.Error(), "not public") {
			t.Errorf("POST %s: %v; want the dialer's refusal", url, err)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the private receiver got %d requests", n)
	}
}

// TestNoRedirectInside: a public receiver cannot bounce a delivery inside with a redirect.
func TestNoRedirectInside(t *testing.T) {
	var inner atomic.Int32
	in := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { inner.Add(1) }))
	defer in.Close()
	out := httptest.NewServer(http.RedirectHandler(in.URL+"/admin", http.StatusTemporaryRedirect))
	defer out.Close()
	resp, err := SafeClient(2*time.Second, true).Post(out.URL, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTemporaryRedirect || inner.Load() != 0 {
		t.Fatalf("got %d, inner hits %d; want the redirect unfollowed", resp.StatusCode, inner.Load())
	}
}

// TestIgnoresProxyEnvironment: HTTP_PROXY cannot route deliveries through a proxy that
// would reach what the dialer refuses.
func TestIgnoresProxyEnvironment(t *testing.T) {
	var proxied atomic.Int32
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { proxied.Add(1) }))
	defer proxy.Close()
	t.Setenv("HTTP_PROXY", proxy.URL)
	t.Setenv("http_proxy", proxy.URL)
	_, _ = SafeClient(time.Second, false).Post("http://93.184.216.34:9/hook", "application/json", strings.NewReader("{}"))
	if proxied.Load() != 0 {
		t.Fatal("a delivery went through the proxy from the environment")
	}
}

// TestDialerRefusesNonWebPorts: the port policy holds at delivery too, even where private
// addresses are allowed, so a rule saved before the policy (or a name whose URL carried
// no port check) cannot make the deliverer write a POST into a Redis or an SMTP server.
func TestDialerRefusesNonWebPorts(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:6379")
	if err != nil {
		t.Skipf("port 6379 is taken here: %v", err)
	}
	defer l.Close()
	var accepted atomic.Int32
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	_, err = SafeClient(2*time.Second, true).Post("http://127.0.0.1:6379/", "application/json", strings.NewReader("{}"))
	if err == nil || !strings.Contains(err.Error(), "Redis") {
		t.Errorf("POST to port 6379: %v; want the dialer's refusal naming the service", err)
	}
	if n := accepted.Load(); n != 0 {
		t.Fatalf("the listener on 6379 accepted %d connections", n)
	}
}
