// Package testpdf writes small, valid PDFs with known text, for tests and benchmarks
// that need many distinct filings (one page per string, Helvetica, WinAnsi text), and
// damaged copies of real ones.
package testpdf

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// New returns a PDF whose page i shows pages[i], one line per "\n".
func New(pages ...string) []byte {
	var objs []string
	// 1: catalog, 2: pages, 3: font, then a page and its content per page.
	kids := make([]string, len(pages))
	for i := range pages {
		kids[i] = fmt.Sprintf("%d 0 R", 4+2*i)
	}
	objs = append(objs,
		"<< /Type /Catalog /Pages 2 0 R >>",
		fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(pages)),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
	)
	for i, text := range pages {
		var content bytes.Buffer
		content.WriteString("BT /F1 11 Tf 14 TL 72 740 Td\n")
		for _, line := range strings.Split(text, "\n") {
			fmt.Fprintf(&content, "(%s) Tj T*\n", escape(line))
		}
		content.WriteString("ET")
		objs = append(objs,
			fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>", 5+2*i),
			fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", content.Len(), content.String()),
		)
	}
	var out bytes.Buffer
	out.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = out.Len()
		fmt.Fprintf(&out, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := out.Len()
	fmt.Fprintf(&out, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&out, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&out, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return out.Bytes()
}

func escape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `(`, `\(`, `)`, `\)`).Replace(s)
}

// DamagedXref returns a copy of a PDF whose startxref offset points into the middle of
// the file (its digits overwritten with others, the length kept): a reader without
// reconstruction rejects it; poppler rebuilds the table by scanning. It fails the test
// if data has no startxref.
func DamagedXref(t testing.TB, data []byte) []byte {
	t.Helper()
	out := bytes.Clone(data)
	i := bytes.LastIndex(out, []byte("startxref"))
	if i < 0 {
		t.Fatal("no startxref in the PDF")
	}
	for j := i + len("startxref"); j < len(out) && out[j] != '%'; j++ {
		if out[j] >= '0' && out[j] <= '9' {
			out[j] = '1'
		}
	}
	return out
}
