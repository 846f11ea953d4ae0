package pacerrss

import (
	"strings"
	"testing"
	"time"
)

func TestParseVariants(t *testing.T) {
	// Built from the feed shapes PACER is known to send for courts whose captures are not in the
	// corpus: nyed's CDATA descriptions without links, appellate items whose link text is
	// "Document", and a garbage docket number.
	const feed = `<?xml version="1.0" encoding="ISO-8859-1"?>
<rss version="2.0"><channel><title>Eastern District - Recent Entries</title>
<description>Public Complaints, Orders and Judgments in the last 24 Hours</description>
<lastBuildDate>Mon, 06 Feb 2023 15:01:37 EST</lastBuildDate>
<item><title>1:17-cr-00554-MKB USA v. Caf\xe9 Owner</title>
<link>https://ecf.nyed.uscourts.gov/cgi-bin/DktRpt.pl?410000</link>
<description><![CDATA[[Order] USA v. Caf\xe9 Owner ]]></description>
<guid>https://ecf.nyed.uscourts.gov/cgi-bin/DktRpt.pl?410000</guid>
<pubDate>Mon, 06 Feb 2023 14:00:00 EST</pubDate></item>
<item><title>1:17-cr-00554-MKB USA v. Caf\xe9 Owner</title>
<link>https://ecf.nyed.uscourts.gov/cgi-bin/DktRpt.pl?410000</link>
<description><![CDATA[[Order(Other)] USA v. Caf\xe9 Owner ]]></description>
<guid>https://ecf.nyed.uscourts.gov/cgi-bin/DktRpt.pl?410000</guid>
<pubDate>Mon, 06 Feb 2023 14:00:00 EST</pubDate></item>
<item><title>5:18-~gr-00001 In re Grand Jury</title>
<link>https://ecf.nyed.uscourts.gov/cgi-bin/DktRpt.pl?410001</link>
<description>[Order]</description><pubDate>Mon, 06 Feb 2023 13:00:00 EST</pubDate></item>
<item><title>2:23-cv-00001 Doe v. Roe</title>
<description>[Complaint]</description><pubDate>Mon, 06 Feb 2023 13:00:00</pubDate></item>
</channel></rss>`
	// The feed is Latin-1, as CM/ECF declares: "Caf\xe9" is "Café".
	f, err := Parse("nyed", strings.NewReader(strings.ReplaceAll(feed, `\xe9`, "\xe9")))
	if err != nil {
		t.Fatal(err)
	}
	if f.Items != 4 || len(f.Entries) != 1 || len(f.Dropped) != 2 {
		t.Fatalf("items %d entries %d dropped %v; want 4, 1, 2 dropped", f.Items, len(f.Entries), f.Dropped)
	}
	e := f.Entries[0]
	if e.DocketNumber != "1:17-cr-00554" || e.Components.JudgeInitialsAssigned != "MKB" || e.CaseName != "United States v. Café Owner" {
		t.Errorf("docket %q judge %q name %q", e.DocketNumber, e.Components.JudgeInitialsAssigned, e.CaseName)
	}
	if e.ShortDescription != "Order AND Order(Other)" || e.DocumentNumber != "" || e.PacerDocID != "" || e.PacerCaseID != "410000" {
		t.Errorf("entry %+v", e)
	}
	if want := time.Date(2023, 2, 6, 19, 0, 0, 0, time.UTC); !e.Filed.Equal(want) {
		t.Errorf("filed %v; want %v", e.Filed, want)
	}
	d := e.Document(time.Now())
	if !strings.HasPrefix(string(d.ID), "pacerrss:nyed/h") || d.Entry.Number != 0 || d.Docket.Number != "1:17-cr-00554" {
		t.Errorf("document id %q entry %d docket %q", d.ID, d.Entry.Number, d.Docket.Number)
	}
	if err := d.ID.Validate(); err != nil {
		t.Error(err)
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{"Wed, 18 Apr 2018 00:09:55 GMT", "2018-04-18T00:09:55Z", false},
		{"Fri, 03 Feb 2023 09:05:16 MST", "2023-02-03T09:05:16-07:00", false},
		// A court printing the standard abbreviation in summer still means local time.
		{"Mon, 03 Jul 2023 09:05:16 EST", "2023-07-03T09:05:16-04:00", false},
		{"Mon, 03 Jul 2023 09:05:16 HST", "2023-07-03T09:05:16-10:00", false},
		{"Mon, 03 Jul 2023 09:05:16 -0500", "2023-07-03T09:05:16-05:00", false},
		{"Mon, 03 Jul 2023 09:05:16", "", true},
		{"Mon, 03 Jul 2023 09:05:16 XYZ", "", true},
		{"yesterday GMT", "", true},
	}
	for _, tc := range tests {
		got, err := ParseDate(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("ParseDate(%q) err = %v; wantErr %v", tc.in, err, tc.wantErr)
			continue
		}
		if err == nil && got.Format(time.RFC3339) != tc.want {
			t.Errorf("ParseDate(%q) = %s; want %s", tc.in, got.Format(time.RFC3339), tc.want)
		}
	}
}

func TestFeedURL(t *testing.T) {
	tests := []struct {
		court, want string
		wantErr     bool
	}{
		{"nysd", "https://ecf.nysd.uscourts.gov/cgi-bin/rss_outside.pl", false},
		{"nysb", "https://ecf.nysb.uscourts.gov/cgi-bin/rss_outside.pl", false},
		{"ca2", "https://ecf.ca2.uscourts.gov/n/beam/servlet/TransportRoom?servlet=RSSGenerator", false},
		{"cadc", "https://ecf.cadc.uscourts.gov/n/beam/servlet/TransportRoom?servlet=RSSGenerator", false},
		{"nyed", "https://ecf.nyed.uscourts.gov/cgi-bin/readyDockets.pl", false},
		{"ared", "https://ecf.ared.uscourts.gov/cgi-bin/rss_outside4.pl", false},
		{"evil.com/x", "", true},
		{"", "", true},
	}
	for _, tc := range tests {
		got, err := FeedURL(tc.court)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("FeedURL(%q) = %q, %v; want %q (wantErr %v)", tc.court, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestNormalizeDocketNumber(t *testing.T) {
	for in, want := range map[string]string{
		"1:18-CV-03365-KMW":    "1:18-cv-03365",
		"1:18-cr-00224-1":      "1:18-cr-00224",
		"16-10992-smb":         "16-10992",
		"22-3054":              "22-3054",
		" 14 Civ. 1234 ":       "14Civ.1234",
		"3:20-cv-08570-JD-SLC": "3:20-cv-08570",
	} {
		if got := NormalizeDocketNumber(in); got != want {
			t.Errorf("NormalizeDocketNumber(%q) = %q; want %q", in, got, want)
		}
	}
}
