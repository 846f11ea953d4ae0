package quality

import (
	"regexp"
	"strings"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/testfile"
)

// glue removes the spaces between words the way a text layer that positions words by
// kerning loses them: within each line only every n-th gap is kept.
func glue(text string, every int) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		words := strings.Fields(l)
		var b strings.Builder
		for j, w := range words {
			if j > 0 && j%every == 0 {
				b.WriteString(" ")
			}
			b.WriteString(w)
		}
		lines[i] = b.String()
	}
	return strings.Join(lines, "\n")
}

// controls decodes punctuation as control characters, as a ToUnicode bfrange spanning
// more than 256 codes does (‐ “ ” ’ – — become U+0010, U+001C, U+001D, U+0019, U+0013, U+0014).
func controls(text string) string {
	return strings.NewReplacer("-", "\x10", "'", "\x19", ",", "\x13", "(", "\x1c", ")", "\x1d").Replace(text)
}

// cids replaces each word with pdfminer-style glyph codes, as a font without a Unicode
// mapping gives.
func cids(text string) string {
	return regexp.MustCompile(`[A-Za-z]+`).ReplaceAllStringFunc(text, func(w string) string {
		return strings.Repeat("(cid:71)", len(w))
	})
}

// symbolSoup replaces each word with the kind of symbol soup a scanner's bad OCR layer holds.
func symbolSoup(text string) string {
	return regexp.MustCompile(`[A-Za-z]+`).ReplaceAllStringFunc(text, func(w string) string {
		return strings.Repeat("~#", len(w)/2+1)
	})
}

func TestCheck(t *testing.T) {
	notice := testfile.Text(t, "testdata", "ca2_1-1.page1.layout.txt")
	opinion := testfile.Text(t, "testdata", "vector-pdf.page1.layout.txt")
	stampLine := strings.SplitN(strings.TrimSpace(notice), "\n", 2)[0]
	fullScan := Images{Known: true, Count: 1, Coverage: 0.98}
	logo := Images{Known: true, Count: 1, Coverage: 0.02}

	tests := []struct {
		name   string
		text   string
		stamp  string
		img    Images
		want   Verdict
		reason string // a word the reason must contain
	}{
		{name: "born-digital notice", text: notice, want: Good},
		{name: "born-digital opinion", text: opinion, want: Good},
		{name: "born-digital page over a page-sized image", text: opinion, img: fullScan, want: Good},
		{name: "born-digital page with a logo", text: notice, img: logo, want: Good},
		{name: "all words glued", text: glue(opinion, 1000), want: Garbled, reason: "glued"},
		{name: "every other space lost", text: glue(opinion, 2), want: Garbled, reason: "glued"},
		{name: "punctuation as control characters", text: controls(opinion), want: Garbled, reason: "control"},
		{name: "glyph codes", text: cids(opinion), want: NoText, reason: "cid"},
		{name: "symbol soup", text: symbolSoup(opinion), want: NoText, reason: "junk"},
		{name: "empty", text: "", want: NoText, reason: "no words"},
		{name: "page number only", text: "\n\n       12\n", want: NoText, reason: "no words"},
		{name: "stamp in the text only", text: stampLine + "\n\n", img: fullScan, want: NoText, reason: "stamp"},
		{name: "stamp moved out by the engine", text: "", stamp: "Case 3:20-cv-08570-JD Document 736-12 Filed 04/15/24 Page 1 of 2", want: NoText, reason: "stamp"},
		{name: "fourth circuit stamp", text: "Appeal: 17-2218   Doc: 17   Filed: 10/31/2017   Pg: 1 of 1", img: fullScan, want: NoText, reason: "stamp"},
		{name: "third circuit stamp", text: "Case: 21-1298 Document: 42 Page: 1 Date Filed: 08/31/2022", img: logo, want: NoText, reason: "stamp"},
		{name: "few words over a scan", text: stampLine + "\nEXHIBIT A\nConfidential", img: fullScan, want: NoText, reason: "image"},
		{name: "few words over a small image", text: "Received\nJan 3", img: logo, want: NoText, reason: "image"},
		{name: "few words, no image", text: "Exhibit A", img: Images{Known: true}, want: Good},
		{name: "few words, images unknown", text: "Exhibit A", want: Good},
		{name: "table of figures", text: strings.Repeat("Total   $1,234,567.89   12/31/2023   45.6%   No. 3:21-cv-03977\n", 20), want: Good},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Check(tt.text, tt.stamp, tt.img)
			if r.Verdict != tt.want {
				t.Fatalf("got %v (%s, %+v); want %v", r.Verdict, r.Reason, r, tt.want)
			}
			if tt.reason != "" && !strings.Contains(strings.ToLower(r.Reason), tt.reason) {
				t.Errorf("reason: got %q; want it to mention %q", r.Reason, tt.reason)
			}
			if tt.want == Good && r.Reason != "" {
				t.Errorf("good page with reason %q", r.Reason)
			}
		})
	}
}

func TestCheckCounts(t *testing.T) {
	r := Check("The motion is GRANTED in part. See https://www.ca2.uscourts.gov/decisions/isysquery/abcdefghijklmnopqrstuvwxyz.", "", Images{})
	if r.Long != 0 {
		t.Errorf("a long URL counted as glued: %+v", r)
	}
	if r.Words < 6 {
		t.Errorf("words: got %d; want at least 6", r.Words)
	}
	r = Check("Line\x10one\ufffd and \ue000", "", Images{})
	if r.Controls != 3 {
		t.Errorf("controls: got %d; want 3 (U+0010, U+FFFD, U+E000)", r.Controls)
	}
}

func TestBetter(t *testing.T) {
	good := Report{Verdict: Good, Words: 10}
	tests := []struct {
		a, b Report
		want bool
	}{
		{a: good, b: Report{Verdict: Garbled, Words: 400}, want: true},
		{a: Report{Verdict: Garbled, Words: 300}, b: Report{Verdict: Garbled, Words: 200}, want: true},
		{a: Report{Verdict: NoText}, b: good, want: false},
		{a: good, b: good, want: false},
	}
	for _, tt := range tests {
		if got := tt.a.Better(tt.b); got != tt.want {
			t.Errorf("%+v.Better(%+v): got %v; want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func BenchmarkCheck(b *testing.B) {
	text := testfile.Text(b, "testdata", "vector-pdf.page1.layout.txt")
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		Check(text, "", Images{})
	}
}
