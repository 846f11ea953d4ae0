package pacerrss

import (
	"fmt"
	"regexp"
	"strings"
)

// Kind is the type of a federal court, which decides the feed URL and how the feed's
// docket numbers and links are read.
type Kind int

// The kinds of court with PACER RSS feeds.
const (
	District Kind = iota
	Bankruptcy
	Appellate
)

func (k Kind) String() string {
	switch k {
	case Bankruptcy:
		return "bankruptcy"
	case Appellate:
		return "appellate"
	default:
		return "district"
	}
}

// KindOf classifies a PACER court id the way CM/ECF names them: an id ending in a digit
// (ca1…ca11) or cadc, cafc, cavc is appellate; one ending in "b" is bankruptcy; the rest
// are district courts.
func KindOf(court string) Kind {
	if court == "" {
		return District
	}
	last := court[len(court)-1]
	switch {
	case '0' <= last && last <= '9', court == "cadc", court == "cafc", court == "cavc":
		return Appellate
	case last == 'b':
		return Bankruptcy
	}
	return District
}

// FeedURL returns the RSS feed URL of a PACER court. Two courts publish their feed under
// another script: nyed (readyDockets.pl) and ared, whose default feed carries only orders
// and opinions while rss_outside4.pl has all docket entries.
func FeedURL(court string) (string, error) {
	if !validCourtID(court) {
		return "", fmt.Errorf("feed url: invalid court id %q", court)
	}
	switch {
	case court == "nyed":
		return "https://ecf.nyed.uscourts.gov/cgi-bin/readyDockets.pl", nil
	case court == "ared":
		return "https://ecf.ared.uscourts.gov/cgi-bin/rss_outside4.pl", nil
	case KindOf(court) == Appellate:
		return "https://ecf." + court + ".uscourts.gov/n/beam/servlet/TransportRoom?servlet=RSSGenerator", nil
	}
	return "https://ecf." + court + ".uscourts.gov/cgi-bin/rss_outside.pl", nil
}

// validCourtID accepts the lower-case letters and digits PACER court ids are made of,
// so that an id can never smuggle a host or path into a URL.
func validCourtID(court string) bool {
	if len(court) < 2 || len(court) > 8 {
		return false
	}
	for i := 0; i < len(court); i++ {
		c := court[i]
		if !('a' <= c && c <= 'z') && !('0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// pacerToCL maps the few PACER court ids that CourtListener spells differently
// (courtlistener cl/lib/pacer.py).
var pacerToCL = map[string]string{
	"azb":       "arb",
	"cofc":      "uscfc",
	"neb":       "nebraskab",
	"nysb-mega": "nysb",
}

// CourtListenerID returns the CourtListener court id of a PACER court id.
func CourtListenerID(pacerCourt string) string {
	if id, ok := pacerToCL[strings.ToLower(pacerCourt)]; ok {
		return id
	}
	return strings.ToLower(pacerCourt)
}

// channelLinkRe finds a feed's channel link, the court's CM/ECF host
// ("<link>https://ecf.nysd.uscourts.gov"): the first <link> of a feed is its channel's.
var channelLinkRe = regexp.MustCompile(`<link>\s*https?://ecf\.([a-z0-9]+)\.uscourts\.gov`)

// CourtOfFeed reads the PACER court id of a raw feed from its channel link, for a feed
// read from a file whose court nobody stated.
func CourtOfFeed(raw []byte) (string, bool) {
	m := channelLinkRe.FindSubmatch(raw)
	if m == nil || !validCourtID(string(m[1])) {
		return "", false
	}
	return string(m[1]), true
}
