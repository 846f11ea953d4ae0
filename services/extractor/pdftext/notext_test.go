package pdftext

import (
	"bytes"
	"compress/zlib"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestNoText: a page is marked as showing no text only when the engine read all of it
// (every content stream, every form) and no text operator ran, and it has no
// annotations, whose appearance streams the engine does not read.
func TestNoText(t *testing.T) {
	image := func(f *pdfFile) int {
		return f.stream("/Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8", []byte{0}, false)
	}
	form := func(f *pdfFile, font int, content string) int {
		return f.stream(fmt.Sprintf("/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << /Font << /F1 %d 0 R >> >>", font), []byte(content), true)
	}
	tests := []struct {
		name string
		pdf  func(f *pdfFile) []byte
		want bool
	}{
		{"a scan: one image", func(f *pdfFile) []byte {
			return onePage(f, fmt.Sprintf("<< /XObject << /Im0 %d 0 R >> >>", image(f)), "q 612 0 0 792 0 0 cm /Im0 Do Q")
		}, true},
		{"no content at all", func(f *pdfFile) []byte {
			return pageWith(f, "")
		}, true},
		{"text", func(f *pdfFile) []byte {
			return fontPage(f, helvetica(f), "BT /F1 12 Tf 72 700 Td (Hello) Tj ET")
		}, false},
		{"an empty string shown", func(f *pdfFile) []byte {
			return fontPage(f, helvetica(f), "BT /F1 12 Tf 72 700 Td () Tj ET")
		}, false},
		{"text in a form", func(f *pdfFile) []byte {
			x := form(f, helvetica(f), "BT /F1 12 Tf 72 700 Td (Hello) Tj ET")
			return onePage(f, fmt.Sprintf("<< /XObject << /X %d 0 R >> >>", x), "/X Do")
		}, false},
		{"a form that cannot be decoded", func(f *pdfFile) []byte {
			x := f.add("<< /Type /XObject /Subtype /Form /BBox [0 0 10 10] /Filter /FlateDecode /Length 4 >>\nstream\nxxxx\nendstream")
			return onePage(f, fmt.Sprintf("<< /XObject << /X %d 0 R >> >>", x), "/X Do")
		}, false},
		{"a content stream that cannot be decoded beside one that can", func(f *pdfFile) []byte {
			bad := f.add("<< /Filter /FlateDecode /Length 4 >>\nstream\nxxxx\nendstream")
			good := f.stream("", []byte("q Q"), true)
			return pageWith(f, fmt.Sprintf("/Contents [%d 0 R %d 0 R]", bad, good))
		}, false},
		{"a fill with a pattern", func(f *pdfFile) []byte {
			cell := f.stream("/Type /Pattern /PatternType 1 /PaintType 1 /TilingType 1 /BBox [0 0 10 10] /XStep 10 /YStep 10 /Resources << >>", []byte("q Q"), true)
			return onePage(f, fmt.Sprintf("<< /Pattern << /P0 %d 0 R >> >>", cell), "/Pattern cs /P0 scn 0 0 612 792 re f")
		}, false},
		{"text after a syntax error", func(f *pdfFile) []byte {
			return fontPage(f, helvetica(f), strings.Repeat("[", 40)+strings.Repeat("]", 40)+" BT /F1 12 Tf 72 700 Td (Hello) Tj ET")
		}, false},
		{"text after an inline image", func(f *pdfFile) []byte {
			// The image's data holds " EI (": read from there, the rest is a string.
			return fontPage(f, helvetica(f), "q BI /W 4 /H 1 /BPC 8 /CS /G ID \x00 EI ( EI Q BT /F1 12 Tf 72 700 Td (Hello) Tj ET )")
		}, false},
		{"a form not found", func(f *pdfFile) []byte {
			return onePage(f, "<< >>", "/X Do")
		}, false},
		{"a soft mask", func(f *pdfFile) []byte {
			group := form(f, helvetica(f), "BT /F1 12 Tf 72 700 Td (Hello) Tj ET")
			gs := f.add(fmt.Sprintf("<< /Type /ExtGState /SMask << /Type /Mask /S /Luminosity /G %d 0 R >> >>", group))
			return onePage(f, fmt.Sprintf("<< /ExtGState << /GS0 %d 0 R >> >>", gs), "/GS0 gs 0 0 612 792 re f")
		}, false},
		{"a content stream cut short by its /Length", func(f *pdfFile) []byte {
			font := helvetica(f)
			var content strings.Builder
			r := rand.New(rand.NewPCG(1, 2))
			for range 400 {
				fmt.Fprintf(&content, "q 1 0 0 1 %d %d cm Q\n", r.IntN(100000), r.IntN(100000))
			}
			content.WriteString("BT /F1 12 Tf 72 700 Td (Hello) Tj ET\n")
			var z bytes.Buffer
			w := zlib.NewWriter(&z)
			w.Write([]byte(content.String()))
			w.Close()
			c := f.add(fmt.Sprintf("<< /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream", z.Len()/2, z.Bytes()))
			return pageWith(f, fmt.Sprintf("/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R", font, c))
		}, false},
		{"an annotation", func(f *pdfFile) []byte {
			c := f.stream("", []byte("q Q"), true)
			annot := f.add("<< /Type /Annot /Subtype /FreeText /Rect [72 700 300 720] /Contents (Filed) >>")
			return pageWith(f, fmt.Sprintf("/Contents %d 0 R /Annots [%d 0 R]", c, annot))
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := ExtractPages(context.Background(), tt.pdf(&pdfFile{}), Options{})
			if err != nil || len(res) != 1 {
				t.Fatalf("%d pages, %v", len(res), err)
			}
			if res[0].NoText != tt.want {
				t.Errorf("NoText %v; want %v (text %q)", res[0].NoText, tt.want, res[0].Page.Text)
			}
		})
	}
}
