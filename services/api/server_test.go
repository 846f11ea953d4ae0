package api

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/poll"
)

// serveLimited serves h on loopback with a cap of max connections.
func serveLimited(t *testing.T, max int, h http.Handler) (string, *ConnLimit) {
	t.Helper()
	conns := NewConnLimit(max)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln = conns.Wrap(ln)
	srv := NewServer(h, conns)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String(), conns
}

// keepAliveGet sends one GET on a new connection and reads the answer, leaving the
// connection open and idle, as a flood of keep-alive clients does.
func keepAliveGet(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("keep-alive GET: %v", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return c
}

func TestConnLimitTakesTheLongestWaitingPlace(t *testing.T) {
	addr, conns := serveLimited(t, 4, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	// Two idle keep-alive connections and two that never send a byte fill the cap.
	var flood []net.Conn
	for range 2 {
		flood = append(flood, keepAliveGet(t, addr))
	}
	for range 2 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		flood = append(flood, c)
	}
	defer func() {
		for _, c := range flood {
			c.Close()
		}
	}()
	waitOpen(t, conns, 4)
	// Many more clients, each with something to ask, are all answered, and the
	// connections open never pass the cap.
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for i := range 20 {
		resp, err := client.Get("http://" + addr + "/")
		if err != nil {
			t.Fatalf("request %d behind the flood: %v", i, err)
		}
		resp.Body.Close()
		if n := conns.Open(); n > 4 {
			t.Fatalf("%d connections open; the cap is 4", n)
		}
	}
	// The flood's first connection was closed to make room.
	// (A read timing out is an open connection: that error does not count.)
	flood[0].SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := flood[0].Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("the longest-idle flood connection is still open: %v", err)
	}
}

func TestConnLimitWaitsWhenEveryConnectionIsBusy(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 8)
	addr, conns := serveLimited(t, 2, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			started <- struct{}{}
			<-release
		}
		io.WriteString(w, "ok")
	}))
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	done := make(chan error, 3)
	get := func(path string) {
		resp, err := client.Get("http://" + addr + path)
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		done <- err
	}
	go get("/slow")
	go get("/slow")
	<-started
	<-started
	go get("/fast") // waits: both places are busy, and a busy request is never cut
	select {
	case err := <-done:
		t.Fatalf("a request ended while both places were busy: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	close(release)
	for range 3 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if n := conns.Open(); n > 2 {
		t.Fatalf("%d connections open; the cap is 2", n)
	}
}

// TestOverRateClosesTheConnection: a 429 gives the connection back, so a client over
// its rate holds none while it waits.
func TestOverRateClosesTheConnection(t *testing.T) {
	h := Protect(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }),
		Policy{Rate: 1, Burst: 1, PublicReads: true})
	addr, _ := serveLimited(t, 16, h)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	codes := []int{}
	for range 2 {
		io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		codes = append(codes, resp.StatusCode)
	}
	if codes[0] != 200 || codes[1] != http.StatusTooManyRequests {
		t.Fatalf("got %v; want 200 then 429 (probes are rate-limited too)", codes)
	}
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := r.ReadByte(); err == nil || strings.Contains(err.Error(), "timeout") {
		t.Fatalf("after the 429 the connection is still open: %v", err)
	}
}

func waitOpen(t *testing.T, conns *ConnLimit, n int) {
	t.Helper()
	poll.UntilGot(t, 5*time.Second, fmt.Sprintf("%d connections open", n), func() (bool, string) {
		open := conns.Open()
		return open == n, fmt.Sprint(open)
	})
}
