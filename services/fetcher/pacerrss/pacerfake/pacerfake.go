// Package pacerfake is a fake PACER for tests: each court's RSS feed at /<court>,
// switchable while it runs, answered as a court's CM/ECF server answers: the feed with
// its content type, 404 for a court without a feed, a status code set for a court (a
// 502 of an overloaded server), and 304 to a conditional request whose If-None-Match
// names the feed's current ETag.
package pacerfake

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Server is the fake; it stops when the test that started it ends.
type Server struct {
	srv *httptest.Server

	mu          sync.Mutex
	feeds       map[string]feed
	ifNoneMatch map[string][]string
}

type feed struct {
	body, etag string
	status     int
}

// Start starts a fake serving no feed yet.
func Start(tb testing.TB) *Server {
	s := &Server{feeds: map[string]feed{}, ifNoneMatch: map[string][]string{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	tb.Cleanup(s.srv.Close)
	return s
}

// Client is the HTTP client for the fake.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// URL is the address of court's feed, in the shape of the pollers' Config.URL.
func (s *Server) URL(court string) (string, error) { return s.srv.URL + "/" + court, nil }

// Set makes body court's feed, served with etag as its ETag ("" for none) and a 200.
func (s *Server) Set(court, body, etag string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.feeds[court] = feed{body: body, etag: etag}
}

// Fail makes every request for court's feed answer status, until the next Set.
func (s *Server) Fail(court string, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.feeds[court] = feed{status: status}
}

// IfNoneMatch returns the If-None-Match header of every request for court's feed so far,
// "" where there was none, in order.
func (s *Server) IfNoneMatch(court string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.ifNoneMatch[court]...)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	court := strings.TrimPrefix(r.URL.Path, "/")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ifNoneMatch[court] = append(s.ifNoneMatch[court], r.Header.Get("If-None-Match"))
	f, ok := s.feeds[court]
	switch {
	case !ok:
		http.NotFound(w, r)
		return
	case f.status != 0:
		w.WriteHeader(f.status)
		return
	case f.etag != "" && r.Header.Get("If-None-Match") == f.etag:
		w.WriteHeader(http.StatusNotModified)
		return
	case f.etag != "":
		w.Header().Set("ETag", f.etag)
	}
	w.Header().Set("Content-Type", "application/rss+xml")
	_, _ = w.Write([]byte(f.body))
}

// WithNewItem rebuilds feed with item first and its lastBuildDate moved from oldBuild to
// newBuild, as PACER does when an entry is filed.
func WithNewItem(tb testing.TB, feed, oldBuild, newBuild, item string) string {
	tb.Helper()
	if !strings.Contains(feed, "<lastBuildDate>"+oldBuild) {
		tb.Fatalf("feed has no lastBuildDate %q", oldBuild)
	}
	feed = strings.Replace(feed, "<lastBuildDate>"+oldBuild, "<lastBuildDate>"+newBuild, 1)
	return strings.Replace(feed, "<item>", item+"\n<item>", 1)
}

// ComplaintItem is the S.D.N.Y. feed item of a complaint, entry 1 of the case
// 1:18-cv-0<number> "Roe v. Acme Corp. et al" (PACER case id caseID), whose PACER
// document id ends in docSeq.
func ComplaintItem(caseID, docSeq, number string) string {
	return `<item><title>1:18-cv-0` + number + ` Roe v. Acme Corp. et al</title>
<link>https://ecf.nysd.uscourts.gov/cgi-bin/DktRpt.pl?` + caseID + `</link>
<description>[Complaint] (&#x3C;a href=&#x22;https://ecf.nysd.uscourts.gov/doc1/12712226` + docSeq + `?caseid=` + caseID + `&#x26;de_seq_num=3&#x22; &#x3E;1&#x3C;/a&#x3E;)</description>
<guid isPermaLink="true">https://ecf.nysd.uscourts.gov/cgi-bin/DktRpt.pl?` + caseID + `&#x26;3</guid>
<pubDate>Wed, 18 Apr 2018 00:30:00 GMT</pubDate></item>`
}
