package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/poll"
	"github.com/docketwatch/docketwatch/pkg/run/runtest"
	"github.com/docketwatch/docketwatch/pkg/testpdf"
	"github.com/docketwatch/docketwatch/pkg/webtest"
	"github.com/docketwatch/docketwatch/services/alerter/email/smtptest"
	"github.com/nats-io/nats-server/v2/server"
)

// leaks reports each secret found in text.
func leaks(t *testing.T, where, text string, secrets map[string]string) {
	t.Helper()
	for name, v := range secrets {
		if strings.Contains(text, v) {
			i := strings.Index(text, v)
			t.Errorf("%s shows %s: …%s…", where, name, text[max(0, i-120):min(len(text), i+len(v)+40)])
		}
	}
}

// TestSecretsStayOutOfLogs runs `docketwatch run` at debug level with every secret set
// (CourtListener token, SMTP password, API token) and makes each one be used and fail
// (CourtListener refuses the token, the SMTP server refuses the mail, the webhook
// receiver answers 500 to a rule with a secret), then greps everything the process
// printed, and what its HTTP status pages and the CLI show, for the secrets.
func TestSecretsStayOutOfLogs(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	secrets := map[string]string{
		"the CourtListener token": "cltok-5b1e0c7a93d2",
		"the SMTP password":       "smtppw-8e4f2a61c0b9",
		"the API token":           "apitok-d41e77a0c3f5",
		"the webhook secret":      "whsec-90b3aa12fe47",
	}
	var clAuth atomic.Bool
	cl := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.Header.Get("Authorization"), secrets["the CourtListener token"]) {
			clAuth.Store(true)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"detail":"Invalid token."}`)
	}))
	defer cl.Close()
	var hooks atomic.Int32
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hooks.Add(1)
		http.Error(w, "receiver down", http.StatusInternalServerError)
	}))
	defer receiver.Close()
	// An SMTP relay that turns everyone away.
	smtp := smtptest.Start(t, "")
	smtp.Refusing.Store(true)
	_, smtpPort, _ := net.SplitHostPort(smtp.Addr())

	data := t.TempDir()
	out := &runtest.Buffer{}
	run := docketwatch(t, "run", "--data", data, "--http", "127.0.0.1:0", "--log", "debug",
		"--courtlistener-courts", "cand", "--courtlistener-url", cl.URL, "--courtlistener-budget", "none",
		"--smtp-host", "127.0.0.1", "--smtp-port", smtpPort, "--smtp-user", "docketwatch", "--smtp-from", "dw@example.com", "--smtp-tls", "none")
	run.Env = append(run.Env, "DOCKETWATCH_WEBHOOK_ALLOW_PRIVATE=1",
		"DOCKETWATCH_COURTLISTENER_TOKEN="+secrets["the CourtListener token"],
		"DOCKETWATCH_SMTP_PASSWORD="+secrets["the SMTP password"],
		"DOCKETWATCH_API_TOKEN="+secrets["the API token"])
	base := serveRun(t, run, out)

	// A rule with a webhook secret and an email, created over the API with the token.
	rule := `{"name":"parcels","query":"\"ground package\"","webhook":{"url":"` + receiver.URL + `","secret":"` +
		secrets["the webhook secret"] + `"},"email":{"to":["clerk@example.com"]}}`
	// withToken calls the API as its operator does, with the token.
	withToken := func(method, path, body string) (int, string) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+secrets["the API token"])
		r := webtest.Do(t, req)
		return r.Status, string(r.Body)
	}
	if code, created := withToken("POST", "/api/v1/alerts", rule); code != http.StatusCreated {
		t.Fatalf("creating the rule: %d %s", code, created)
	}
	exhibit := filepath.Join(t.TempDir(), "exhibit.pdf")
	writeFile(t, exhibit, testpdf.New("EXHIBIT 4", "The ground package carrier classified its drivers as contractors."))
	if o, err := docketwatch(t, "ingest", "--data", data, exhibit).CombinedOutput(); err != nil {
		t.Fatalf("ingest: %v: %s", err, o)
	}
	poll.UntilGot(t, 40*time.Second, "every secret put to use", func() (bool, string) {
		return hooks.Load() >= 2 && smtp.Refused() >= 1 && clAuth.Load(),
			fmt.Sprintf("%d webhook attempts, %d SMTP connections, CourtListener saw the token: %v\n%s", hooks.Load(), smtp.Refused(), clAuth.Load(), out)
	})

	// What the process shows of itself: the rules, status pages, metrics, the CLI.
	shown := map[string]string{}
	for _, path := range []string{"/api/v1/alerts", "/api/v1/sources", "/status", "/metrics", "/healthz"} {
		_, shown["GET "+path] = withToken("GET", path, "")
	}
	if !strings.Contains(shown["GET /api/v1/alerts"], "parcels") {
		t.Errorf("the rule list does not show the rule: %s", shown["GET /api/v1/alerts"])
	}
	for _, args := range [][]string{{"alerts", "list", "--data", data}, {"alerts", "list", "--json", "--data", data}, {"dead", "list", "--data", data}} {
		o, _ := docketwatch(t, args...).CombinedOutput()
		shown[strings.Join(args[:2], " ")+" "+args[2]] = string(o)
	}

	run.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- run.Wait() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Error("run did not stop within 20 s of an interrupt")
	}
	logs := out.String()
	if !strings.Contains(logs, "level=") {
		t.Fatalf("no log lines captured:\n%s", logs)
	}
	leaks(t, "the run's output", logs, secrets)
	for where, text := range shown {
		leaks(t, where, text, secrets)
	}
	t.Logf("%d bytes of logs, %d webhook attempts, %d SMTP connections checked", len(logs), hooks.Load(), smtp.Refused())
}

// TestNATSPasswordStaysOutOfLogs runs a role against a NATS server that requires a user
// and password, once with the right password and once with a wrong one, and greps what
// it printed for the password.
func TestNATSPasswordStaysOutOfLogs(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	const user, password = "docketwatch", "natspw-3c9d71e0aa5b"
	srv, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: server.RANDOM_PORT, NoLog: true, NoSigs: true,
		JetStream: true, StoreDir: t.TempDir(), Users: []*server.User{{Username: user, Password: password}}})
	if err != nil {
		t.Fatal(err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats not ready")
	}
	defer func() { srv.Shutdown(); srv.WaitForShutdown() }()
	for _, pw := range []string{password, "wrong-" + password} {
		out := &runtest.Buffer{}
		cmd := docketwatch(t, "api", "--nats", srv.ClientURL(), "--nats-user", user, "--http", "127.0.0.1:0", "--log", "debug")
		cmd.Env = append(cmd.Env, "DOCKETWATCH_NATS_PASSWORD="+pw)
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		runThenInterrupt(cmd, 4*time.Second)
		logs := out.String()
		if pw == password && !strings.Contains(logs, "serving") {
			t.Errorf("with the right password the api role did not start:\n%s", logs)
		}
		if pw != password && strings.Contains(logs, "serving") {
			t.Errorf("with a wrong password the api role started:\n%s", logs)
		}
		leaks(t, "the api role's output (password "+strconv.Quote(pw[:6])+"…)", logs, map[string]string{"the NATS password": password})
	}
}

// runThenInterrupt lets cmd run for d (or until it ends sooner), then interrupts it and
// waits for it to end.
func runThenInterrupt(cmd *exec.Cmd, d time.Duration) {
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
		return
	case <-time.After(d):
	}
	cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		cmd.Process.Kill()
		<-done
	}
}
