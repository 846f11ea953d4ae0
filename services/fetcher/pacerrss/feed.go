package pacerrss

import (
	"bufio"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"io"
	"regexp"
	"sort"
	"strings"
	"time"
	_ "time/tzdata" // feeds name US zones by abbreviation; resolve them without the host's zoneinfo
	"unicode/utf8"
)

// MaxFeedBytes bounds the size of a feed the parser reads. The largest real feeds (nyed,
// 24 hours of entries) are under 1 MB.
const MaxFeedBytes = 32 << 20

// Feed is a parsed RSS feed of one court.
type Feed struct {
	Court string `json:"court"`
	// Title and Description are the channel's; Description lists the entry types the
	// court publishes ("Docket entries of type: all").
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	// BuildDate is the channel's lastBuildDate (or pubDate, which some courts use instead),
	// verbatim.
	BuildDate string `json:"build_date,omitempty"`
	// Items counts the <item> elements; Entries are the distinct docket entries after the
	// multi-event merge; Dropped says why the other items yielded nothing.
	Items   int      `json:"items"`
	Entries []Entry  `json:"entries"`
	Dropped []string `json:"dropped,omitempty"`
}

// Entry is one docket entry announced by a feed, with its docket.
type Entry struct {
	Court string `json:"court"`
	// DocketNumber is the number as the court's pattern found it in the title
	// ("1:18-cv-03365", "16-10992", "22-3054"); RawDocketNumber is the title's first word,
	// which may carry judge initials or a defendant number.
	DocketNumber    string      `json:"docket_number"`
	RawDocketNumber string      `json:"raw_docket_number,omitempty"`
	Components      *Components `json:"components,omitempty"`
	CaseName        string      `json:"case_name"`
	// PacerCaseID is PACER's internal case id, from the item link (district and
	// bankruptcy courts only).
	PacerCaseID string `json:"pacer_case_id,omitempty"`
	// Bankruptcy items start "Type: bk Office: 1 Chapter: 11 Trustee: …".
	Type    string `json:"type,omitempty"`
	Office  string `json:"office,omitempty"`
	Chapter string `json:"chapter,omitempty"`
	Trustee string `json:"trustee,omitempty"`

	Filed time.Time `json:"filed"`
	// DocumentNumber is the entry's document number, "" for entries without a document.
	// Appellate courts that do not number documents get the PACER doc id here, as
	// CourtListener does.
	DocumentNumber string `json:"document_number,omitempty"`
	// PacerDocID is normalised as CourtListener stores it: the fourth digit set to 0.
	PacerDocID string `json:"pacer_doc_id,omitempty"`
	PacerSeqNo string `json:"pacer_seq_no,omitempty"`
	// ShortDescription is the entry's event name ("Notice of Appearance"); the events of a
	// multi-event entry are joined, sorted, with " AND ".
	ShortDescription string `json:"short_description"`
	DocURL           string `json:"doc_url,omitempty"`
	Link             string `json:"link,omitempty"`
	GUID             string `json:"guid,omitempty"`
}

type rssDoc struct {
	Channel struct {
		Title         string    `xml:"title"`
		Description   string    `xml:"description"`
		LastBuildDate string    `xml:"lastBuildDate"`
		PubDate       string    `xml:"pubDate"`
		Items         []rssItem `xml:"item"`
	} `xml:"channel"`
}

type rssItem struct {
	Title       *string `xml:"title"`
	Link        *string `xml:"link"`
	Description string  `xml:"description"`
	GUID        string  `xml:"guid"`
	PubDate     *string `xml:"pubDate"`
}

var (
	documentNumberRe = regexp.MustCompile(`["'|] ?>(\d+)</a>`)
	doc1URLRe        = regexp.MustCompile(`href=["']([^"']*/doc1/[^"']*)["']`)
	docs1URLRe       = regexp.MustCompile(`href=["']([^"']*/docs1/[^"']*)["']`)
	shortDescRe      = regexp.MustCompile(`\[(.*?)\]`)
	seqNoRe          = regexp.MustCompile(`de_seq_num=(\d+)`)
	// (?s) because a description may wrap; the prefix ends at the first "[".
	bankruptcyPrefixRe = regexp.MustCompile(`(?s)^\s*Type:(.*?)Office:(.*?)Chapter:(.*?)(?:Trustee:(.*?))?\[`)
	buildDateRe        = regexp.MustCompile(`(?s)<lastBuildDate>(.*?)</lastBuildDate>`)
	pubDateRe          = regexp.MustCompile(`(?s)<pubDate>(.*?)</pubDate>`)
)

// BuildDate finds the channel's lastBuildDate (or, failing that, the first pubDate) in
// a raw feed without parsing it, so that an unchanged feed can be skipped cheaply.
func BuildDate(raw []byte) string {
	if m := buildDateRe.FindSubmatch(raw); m != nil {
		return strings.TrimSpace(string(m[1]))
	}
	if m := pubDateRe.FindSubmatch(raw); m != nil {
		return strings.TrimSpace(string(m[1]))
	}
	return ""
}

// courtID is what a PACER court id looks like ("cand", "nysb", "ca9"): it becomes part of
// every DocID, so nothing else may pass.
var courtID = regexp.MustCompile(`^[a-z][a-z0-9]{1,15}$`)

// Parse reads the RSS feed of a PACER court (its PACER court id decides how docket
// numbers and links are read). A feed that is not well-formed XML is an error; items
// that lack a docket number or a usable date are dropped and listed in Feed.Dropped.
func Parse(court string, r io.Reader) (*Feed, error) {
	if !courtID.MatchString(court) {
		return nil, fmt.Errorf("parsing feed: %q is not a court id", court)
	}
	lr := &io.LimitedReader{R: r, N: MaxFeedBytes + 1}
	dec := xml.NewDecoder(bufio.NewReader(lr))
	dec.CharsetReader = charsetReader
	// Feeds are machine-written but carry HTML entities now and then (&nbsp;).
	dec.Strict = false
	dec.Entity = xml.HTMLEntity
	var doc rssDoc
	if err := dec.Decode(&doc); err != nil {
		if lr.N <= 0 {
			return nil, fmt.Errorf("parsing feed %s: larger than %d bytes", court, MaxFeedBytes)
		}
		return nil, fmt.Errorf("parsing feed %s: %w", court, err)
	}
	// The non-strict decoder accepts a truncated document; a feed must end its channel.
	if err := expectEOF(dec); err != nil {
		return nil, fmt.Errorf("parsing feed %s: %w", court, err)
	}
	f := &Feed{
		Court:       court,
		Title:       cleanField(doc.Channel.Title),
		Description: cleanField(doc.Channel.Description),
		BuildDate:   strings.TrimSpace(doc.Channel.LastBuildDate),
		Items:       len(doc.Channel.Items),
	}
	if f.BuildDate == "" {
		f.BuildDate = strings.TrimSpace(doc.Channel.PubDate)
	}
	kind := KindOf(court)
	index := map[mergeKey]int{}
	for i, it := range doc.Channel.Items {
		e, reason := parseItem(court, kind, it)
		if reason != "" {
			f.Dropped = append(f.Dropped, fmt.Sprintf("item %d: %s", i+1, reason))
			continue
		}
		// CM/ECF writes one item per event of a multi-event entry, with the same title,
		// link, guid and time; they are one docket entry.
		k := mergeKey{e.DocketNumber, e.PacerCaseID, e.Filed.UnixNano(), e.PacerDocID}
		if j, ok := index[k]; ok {
			f.Entries[j].ShortDescription = mergeDescriptions(f.Entries[j].ShortDescription, e.ShortDescription)
			continue
		}
		index[k] = len(f.Entries)
		f.Entries = append(f.Entries, e)
	}
	return f, nil
}

type mergeKey struct {
	docket, caseID string
	filed          int64
	docID          string
}

func mergeDescriptions(have, add string) string {
	parts := strings.Split(have, " AND ")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	parts = append(parts, add)
	sort.Strings(parts)
	return strings.Join(parts, " AND ")
}

// expectEOF reports an error when the document was cut short: the non-strict decoder
// closes elements for us, so check that the input ended after a complete </rss>.
func expectEOF(dec *xml.Decoder) error {
	for {
		_, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func parseItem(court string, kind Kind, it rssItem) (Entry, string) {
	if it.Title == nil {
		return Entry{}, "no title"
	}
	if it.PubDate == nil {
		return Entry{}, "no pubDate"
	}
	title := strings.TrimSpace(*it.Title)
	e := Entry{
		Court:        court,
		DocketNumber: docketNumber(kind, title),
		CaseName:     caseName(title),
		GUID:         strings.TrimSpace(it.GUID),
	}
	if e.DocketNumber == "" {
		return Entry{}, fmt.Sprintf("no docket number in title %q", title)
	}
	raw, _, _ := strings.Cut(title, " ")
	e.RawDocketNumber = raw
	if c, ok := ParseComponents(raw); ok && kind != Appellate {
		e.Components = &c
	}
	filed, err := ParseDate(*it.PubDate)
	if err != nil {
		return Entry{}, err.Error()
	}
	e.Filed = filed
	if it.Link != nil {
		e.Link = strings.TrimSpace(*it.Link)
		if kind != Appellate {
			e.PacerCaseID = caseIDFromLink(e.Link)
		}
	}
	desc := it.Description
	if kind == Bankruptcy {
		if m := bankruptcyPrefixRe.FindStringSubmatch(desc); m != nil {
			e.Type, e.Office, e.Chapter, e.Trustee = cleanField(m[1]), cleanField(m[2]), cleanField(m[3]), cleanField(m[4])
		}
	}
	if m := documentNumberRe.FindStringSubmatch(desc); m != nil {
		e.DocumentNumber = m[1]
	}
	if m := shortDescRe.FindStringSubmatch(desc); m != nil {
		// Kept as the court wrote it (juriscraper does not trim it either); Document trims.
		e.ShortDescription = html.UnescapeString(m[1])
	}
	if m := doc1URLRe.FindStringSubmatch(desc); m != nil {
		e.DocURL = m[1]
		e.PacerDocID = docIDFromURL(m[1])
		if s := seqNoRe.FindStringSubmatch(m[1]); s != nil {
			e.PacerSeqNo = s[1]
		}
	} else if m := docs1URLRe.FindStringSubmatch(desc); m != nil {
		e.DocURL = m[1]
		e.PacerDocID = docIDFromURL(m[1])
	}
	if kind == Appellate && e.DocumentNumber == "" {
		e.DocumentNumber = e.PacerDocID
	}
	return e, ""
}

// caseIDFromLink reads PACER's case id from a docket link: "DktRpt.pl?492165" → 492165,
// and "iquery.pl?625371913403797-L_9999_1-0-663150" → 663150.
func caseIDFromLink(link string) string {
	_, q, ok := strings.Cut(link, "?")
	if !ok {
		return ""
	}
	if strings.Contains(q, "L") {
		if i := strings.LastIndexByte(q, '-'); i >= 0 {
			return q[i+1:]
		}
	}
	return q
}

// docIDFromURL reads the PACER doc id from a doc1/docs1 URL and forces its fourth digit
// to 0: a 1 there only asks PACER to skip the attachment page, and CourtListener stores
// the id with a 0.
func docIDFromURL(u string) string {
	if i := strings.LastIndexByte(u, '/'); i >= 0 {
		u = u[i+1:]
	}
	u, _, _ = strings.Cut(u, "?")
	// A PACER doc id is digits; anything else in that place is a broken link, not an id.
	if len(u) < 4 || strings.Trim(u, "0123456789") != "" {
		return ""
	}
	return u[:3] + "0" + u[4:]
}

// zones maps the US time-zone abbreviations appellate feeds use to their zone. As in
// juriscraper, a wall time is read in the named place, whatever daylight-saving
// abbreviation the court printed.
var zones = map[string]string{
	"EST": "America/New_York", "EDT": "America/New_York",
	"CST": "America/Chicago", "CDT": "America/Chicago",
	"MST": "America/Denver", "MDT": "America/Denver",
	"PST": "America/Los_Angeles", "PDT": "America/Los_Angeles",
	"AKST": "America/Anchorage", "AKDT": "America/Anchorage",
	"HST": "Pacific/Honolulu", "HDT": "Pacific/Honolulu",
	"CHST": "Pacific/Guam", "SST": "Pacific/Pago_Pago", "AST": "America/Puerto_Rico",
}

// ParseDate reads an RSS date ("Fri, 03 Feb 2023 09:05:16 MST"). A date without a zone
// is refused: a naive time would be off by hours.
func ParseDate(s string) (time.Time, error) {
	s = strings.Join(strings.Fields(s), " ")
	i := strings.LastIndexByte(s, ' ')
	if i < 0 {
		return time.Time{}, fmt.Errorf("date %q: no time zone", s)
	}
	wall, zone := s[:i], s[i+1:]
	var t time.Time
	var err error
	for _, layout := range []string{"Mon, 2 Jan 2006 15:04:05", "2 Jan 2006 15:04:05", "Mon, 2 Jan 2006 15:04"} {
		if t, err = time.Parse(layout, wall); err == nil {
			break
		}
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("date %q: %w", s, err)
	}
	var loc *time.Location
	switch up := strings.ToUpper(zone); {
	case up == "GMT" || up == "UTC" || up == "UT" || up == "Z":
		loc = time.UTC
	case zones[up] != "":
		if loc, err = time.LoadLocation(zones[up]); err != nil {
			return time.Time{}, fmt.Errorf("date %q: %w", s, err)
		}
	default:
		off, perr := time.Parse("-0700", zone)
		if perr != nil {
			return time.Time{}, fmt.Errorf("date %q: unknown time zone %q", s, zone)
		}
		loc = off.Location()
	}
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, loc), nil
}

// charsetReader decodes the ISO-8859-1 that CM/ECF declares (and the windows-1252 some
// courts actually write, read the same way); UTF-8 and ASCII pass through.
func charsetReader(charset string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(charset) {
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "windows-1252", "cp1252":
		return &latin1Reader{r: bufio.NewReader(input)}, nil
	case "utf-8", "utf8", "us-ascii", "ascii", "":
		return input, nil
	}
	return nil, fmt.Errorf("unsupported feed encoding %q", charset)
}

type latin1Reader struct {
	r   *bufio.Reader
	buf []byte
}

func (l *latin1Reader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(l.buf) > 0 {
			c := copy(p[n:], l.buf)
			l.buf = l.buf[c:]
			n += c
			continue
		}
		b, err := l.r.ReadByte()
		if err != nil {
			if n > 0 {
				return n, nil
			}
			return 0, err
		}
		if b < utf8.RuneSelf {
			p[n] = b
			n++
			continue
		}
		l.buf = utf8.AppendRune(l.buf[:0], rune(b))
	}
	return n, nil
}
