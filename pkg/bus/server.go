package bus

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// Embedded is a NATS server with JetStream running inside this process, storing under a
// data directory: the default way docketwatch runs.
type Embedded struct {
	srv *server.Server
	*storageGuard
	// Token authenticates clients; another process (the CLI handing files to a running
	// `docketwatch run`) reads it from the data directory.
	Token string
}

// EmbeddedOptions configure StartEmbedded.
type EmbeddedOptions struct {
	// StoreDir holds JetStream's files.
	StoreDir string
	// Listen makes the server accept connections on 127.0.0.1:Port (0 picks a free
	// port); otherwise only in-process connections reach it.
	Listen bool
	Port   int
	// Log receives the server's warnings and errors; nil is slog.Default().
	Log *slog.Logger
}

// StartEmbedded starts an embedded server and waits until it accepts connections.
//
// It refuses to start on a volume with less than MinStartFree bytes free, saying so. A
// disk that fills later is reported by Storage, and JetStream restarts by itself once
// there is room again.
func StartEmbedded(o EmbeddedOptions) (*Embedded, error) {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if err := os.MkdirAll(o.StoreDir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the nats store: %w", err)
	}
	if free, err := FreeBytes(o.StoreDir); err == nil && free < MinStartFree {
		return nil, fmt.Errorf("the volume of %s has %d MiB free; the embedded nats needs at least %d MiB to start", o.StoreDir, free>>20, MinStartFree>>20)
	}
	tok := make([]byte, 16)
	if _, err := rand.Read(tok); err != nil {
		return nil, err
	}
	opts := &server.Options{
		ServerName:         "docketwatch-embedded",
		JetStream:          true,
		StoreDir:           filepath.Clean(o.StoreDir),
		NoSigs:             true,
		NoLog:              true, // SetLoggerV2 below gives it our log
		MaxPayload:         MaxPayload,
		Authorization:      hex.EncodeToString(tok),
		JetStreamMaxMemory: 256 << 20,
		DontListen:         !o.Listen,
		Host:               "127.0.0.1",
		Port:               o.Port,
	}
	if o.Listen && o.Port == 0 {
		opts.Port = server.RANDOM_PORT
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("configuring embedded nats: %w", err)
	}
	guard := &storageGuard{srv: srv, storeDir: opts.StoreDir, log: o.Log}
	srv.SetLoggerV2(serverLog{log: o.Log, guard: guard}, false, false, false)
	go srv.Start()
	if !srv.ReadyForConnections(30 * time.Second) {
		srv.Shutdown()
		return nil, fmt.Errorf("embedded nats not ready after 30s (store %s)", o.StoreDir)
	}
	return &Embedded{srv: srv, storageGuard: guard, Token: opts.Authorization}, nil
}

// ClientURL is the address other processes connect to, when the server listens.
func (e *Embedded) ClientURL() string { return e.srv.ClientURL() }

// Connect opens a new in-process connection. Each component takes its own connection:
// one connection carrying a publisher and a large pull can stall both: they share
// one socket and one flusher, and a pull of megabytes holds the publisher's acks behind it.
func (e *Embedded) Connect(name string) (*nats.Conn, error) {
	nc, err := nats.Connect("", nats.InProcessServer(e.srv), nats.Name(name), nats.Token(e.Token),
		nats.MaxReconnects(-1))
	if err != nil {
		return nil, fmt.Errorf("connecting %s to embedded nats: %w", name, err)
	}
	return nc, nil
}

// Shutdown stops the server and waits until it has stopped.
func (e *Embedded) Shutdown() {
	e.srv.Shutdown()
	e.srv.WaitForShutdown()
}

// ConnConfig says how to reach a NATS server or cluster and prove who we are. Secrets
// are read from files or the environment, never logged.
type ConnConfig struct {
	// URLs is one or more server URLs, comma-separated.
	URLs string
	// User and Password, or Token, or a CredsFile (JWT + nkey, NGS style), or an
	// NKeyFile holding a seed: at most one way to authenticate.
	User, Password string
	Token          string
	CredsFile      string
	NKeyFile       string
	// WaitForServers makes Connect succeed while no server answers yet, the connection
	// trying again in the background, for a long-running role started before NATS or
	// during its restart: it waits (Setup says so) instead of exiting into a crash loop.
	// A CLI verb leaves it off and fails at once with a clear error.
	WaitForServers bool
}

// Validate reports a configuration that cannot work, naming the flag that sets it
// (pkg/run registers them). It reads the credentials and nkey files as a connection will,
// so that a file missing or malformed is refused at start, not at the first connection.
func (c ConnConfig) Validate() error {
	if c.URLs == "" {
		return errors.New("--nats: no NATS URL")
	}
	for _, u := range strings.Split(c.URLs, ",") {
		if u = strings.TrimSpace(u); u == "" {
			continue // nats.go passes over an empty entry ("a:4222,")
		}
		if err := checkServerURL(u); err != nil {
			return fmt.Errorf("--nats %s: %w", redactURL(u), err)
		}
	}
	n := 0
	for _, set := range []bool{c.User != "" || c.Password != "", c.Token != "", c.CredsFile != "", c.NKeyFile != ""} {
		if set {
			n++
		}
	}
	if n > 1 {
		return errors.New("choose one NATS authentication: --nats-user and nats-password, nats-token, --nats-creds or --nats-nkey")
	}
	if c.CredsFile != "" {
		if err := checkCreds(c.CredsFile); err != nil {
			return fmt.Errorf("--nats-creds: %w", err)
		}
	}
	if c.NKeyFile != "" {
		if _, err := nats.NkeyOptionFromSeed(c.NKeyFile); err != nil {
			return fmt.Errorf("--nats-nkey: %w", err)
		}
	}
	return nil
}

// checkServerURL refuses what cannot name a NATS server: a URL without a host, or with a
// scheme other than nats, tls, ws or wss (nats.go would dial an http:// URL as plain TCP,
// a mistake better named at start). A bare host[:port] is nats:// to nats.go.
func checkServerURL(u string) error {
	if !strings.Contains(u, "://") {
		u = "nats://" + u
	}
	p, err := url.Parse(u)
	if err != nil {
		return errors.New("want a server URL such as nats://host:4222") // the parse error repeats the URL, password and all
	}
	switch {
	case p.Scheme != "nats" && p.Scheme != "tls" && p.Scheme != "ws" && p.Scheme != "wss":
		return fmt.Errorf("scheme %q: want nats, tls, ws or wss", p.Scheme)
	case p.Hostname() == "":
		return errors.New("no host")
	}
	return nil
}

// checkCreds reads a credentials file with nats.UserCredentials, as a connection does:
// its user JWT, which it decodes, and its seed, by signing a nonce.
func checkCreds(file string) error {
	var o nats.Options
	if err := nats.UserCredentials(file)(&o); err != nil {
		return err
	}
	tok, err := o.UserJWT()
	if err != nil {
		return err
	}
	if _, err := jwt.DecodeUserClaims(tok); err != nil {
		return fmt.Errorf("%s holds no user JWT: %w", file, err)
	}
	_, err = o.SignatureCB([]byte("docketwatch"))
	return err
}

// Connect dials the servers as name, reconnecting forever.
func (c ConnConfig) Connect(name string) (*nats.Conn, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	var opts []nats.Option
	switch {
	case c.User != "":
		opts = append(opts, nats.UserInfo(c.User, c.Password))
	case c.Token != "":
		opts = append(opts, nats.Token(c.Token))
	case c.CredsFile != "":
		opts = append(opts, nats.UserCredentials(c.CredsFile))
	case c.NKeyFile != "":
		opt, err := nats.NkeyOptionFromSeed(c.NKeyFile)
		if err != nil {
			return nil, fmt.Errorf("--nats-nkey: %w", err)
		}
		opts = append(opts, opt)
	}
	if c.WaitForServers {
		opts = append(opts, nats.RetryOnFailedConnect(true))
	}
	return Connect(c.URLs, name, opts...)
}

// Connect dials a NATS server or cluster (comma-separated URLs) with the options a
// docketwatch component needs: reconnect forever, a name in the server's monitoring.
func Connect(urls, name string, extra ...nats.Option) (*nats.Conn, error) {
	opts := append([]nats.Option{nats.Name(name), nats.MaxReconnects(-1), nats.ReconnectWait(time.Second),
		// Losing and regaining the server is visible in the log, not only in /readyz.
		nats.DisconnectErrHandler(func(nc *nats.Conn, err error) {
			if err != nil {
				slog.Default().Warn("nats disconnected", "conn", name, "err", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			slog.Default().Info("nats reconnected", "conn", name, "server", redactURL(nc.ConnectedUrl()))
		}),
	}, extra...)
	nc, err := nats.Connect(urls, opts...)
	if err != nil {
		return nil, fmt.Errorf("connecting %s to %s: %w", name, redactURLs(urls), err)
	}
	return nc, nil
}

// redactURLs drops the user information of each of a comma-separated list of server
// URLs, for errors and logs: a URL may carry a password ("nats://user:pw@host").
func redactURLs(urls string) string {
	parts := strings.Split(urls, ",")
	for i, u := range parts {
		parts[i] = redactURL(strings.TrimSpace(u))
	}
	return strings.Join(parts, ",")
}

// redactURL drops the user information of a server URL, for logs. It works on the text,
// not a parse: "user:pw@host:4222" without a scheme parses as an opaque URL whose
// "user information" is empty.
func redactURL(u string) string {
	at := strings.LastIndex(u, "@")
	if at < 0 {
		return u
	}
	if scheme := strings.Index(u, "://"); scheme >= 0 && scheme < at {
		return u[:scheme+3] + u[at+1:]
	}
	return u[at+1:]
}
