package filing

import "testing"

// FuzzParseStamp checks the stamp reader on arbitrary page text: a found stamp lies
// inside the text and says something.
func FuzzParseStamp(f *testing.F) {
	for _, s := range []string{
		"Case 3:20-cv-08570-JD Document 736-12 Filed 04/15/24 Page 1 of 2",
		"Case: 20-16276, 08/05/2020, ID: 11778722, DktEntry: 19, Page 1 of 15",
		"Appellate Case: 21-8001 Document: 010110462922 Date Filed: 01/11/2021 Page: 1",
		"text Case: 17-2400 in a sentence",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		st, start, end, ok := ParseStamp(s)
		if !ok {
			return
		}
		if start < 0 || end > len(s) || start >= end || st.Docket == "" {
			t.Fatalf("%q: stamp %+v at [%d,%d)", s, st, start, end)
		}
		ExhibitLabel(s)
	})
}
