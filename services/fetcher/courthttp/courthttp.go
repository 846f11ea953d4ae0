// Package courthttp builds the HTTP clients the fetcher reaches the courts' data with
// (CourtListener's API and storage, PACER's RSS feeds): one User-Agent, proxies from the
// environment, and bounds on each phase of a request so that a server that stops
// answering holds a poll for seconds, not for ever.
package courthttp

import (
	"net"
	"net/http"
	"time"
)

// UserAgent names docketwatch to the servers it polls, as their terms ask.
const UserAgent = "docketwatch/1 (court filing monitor)"

// Client is a client whose connection and TLS handshake take at most connect, whose
// responses start within firstByte, keeping idlePerHost idle connections to a host. It
// sets no bound on the whole request: a large PDF streams as long as it flows.
func Client(connect, firstByte time.Duration, idlePerHost int) *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: connect}).DialContext,
		TLSHandshakeTimeout:   connect,
		ResponseHeaderTimeout: firstByte,
		MaxIdleConnsPerHost:   idlePerHost,
	}}
}
