package pdftext

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"strings"
)

// pdfFile writes minimal PDFs for tests: numbered objects, a correct xref table and a
// trailer, so that the reader sees exactly the structures a test wants to exercise.
type pdfFile struct {
	objs [][]byte
}

// add appends an object body ("<< /Type /Page ... >>") and returns its number.
func (f *pdfFile) add(body string) int {
	f.objs = append(f.objs, []byte(body))
	return len(f.objs)
}

// set replaces the body of object n, for objects that refer to later ones.
func (f *pdfFile) set(n int, body string) { f.objs[n-1] = []byte(body) }

// stream appends a stream object, compressed with FlateDecode when flate is true.
func (f *pdfFile) stream(dict string, data []byte, flate bool) int {
	if flate {
		var b bytes.Buffer
		w := zlib.NewWriter(&b)
		w.Write(data)
		w.Close()
		data = b.Bytes()
		dict += " /Filter /FlateDecode"
	}
	body := fmt.Sprintf("<< %s /Length %d >>\nstream\n", dict, len(data))
	obj := append([]byte(body), data...)
	obj = append(obj, "\nendstream"...)
	f.objs = append(f.objs, obj)
	return len(f.objs)
}

// bytes serialises the file with the given catalog object as /Root.
func (f *pdfFile) bytes(root int) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(f.objs))
	for i, o := range f.objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n", i+1)
		b.Write(o)
		b.WriteString("\nendobj\n")
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(f.objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(f.objs)+1, root, xref)
	return b.Bytes()
}

// onePage builds a one-page PDF whose page has the given resources and content.
func onePage(f *pdfFile, resources string, content string) []byte {
	c := f.stream("", []byte(content), true)
	return pageWith(f, fmt.Sprintf("/Resources %s /Contents %d 0 R", resources, c))
}

// pageWith builds a one-page PDF whose page dictionary holds entries beside its type,
// parent and media box.
func pageWith(f *pdfFile, entries string) []byte {
	pages := f.add("")
	page := f.add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] %s >>", pages, entries))
	f.set(pages, fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R] /Count 1 >>", page))
	return f.bytes(f.add(fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pages)))
}

// fontPage builds a one-page PDF whose only resource is font, named /F1 in content.
func fontPage(f *pdfFile, font int, content string) []byte {
	return onePage(f, fmt.Sprintf("<< /Font << /F1 %d 0 R >> >>", font), content)
}

// helvetica is a standard-14 font resource without /Widths, as many producers write it.
func helvetica(f *pdfFile) int {
	return f.add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
}

// hexUTF16 writes s as a hex string of UTF-16BE code units.
func hexUTF16(r rune) string { return fmt.Sprintf("<%04X>", r) }

func repeatString(s string, n int) string { return strings.Repeat(s, n) }
