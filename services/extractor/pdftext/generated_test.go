package pdftext

import (
	"fmt"
	"strings"
	"testing"
)

func TestGeneratedPDFs(t *testing.T) {
	tests := []struct {
		name  string
		build func(f *pdfFile) []byte
		want  []string // lines that must appear in page 1's text
		avoid []string // substrings that must not appear
	}{
		{
			// pdfTeX-style: no space characters, words separated by TJ kerning, and kerns
			// inside words that must not split them.
			name: "tj kerning",
			build: func(f *pdfFile) []byte {
				font := f.add("<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman >>")
				return fontPage(f, font,
					"BT /F1 12 Tf 72 700 Td [(The)-333(court)-334(GRANTS)-333(the)-333(mo)15(tion)-333(to)-333(dis)-10(miss.)] TJ ET\n"+
						"BT /F1 12 Tf 72 680 Td [(W)80(a)-15(v)25(er)-333(filed)] TJ ET")
			},
			want:  []string{"The court GRANTS the motion to dismiss.", "Waver filed"},
			avoid: []string{"Thecourt", "mo tion"},
		},
		{
			// groff/Ghostscript-style: each word positioned by its own Td move.
			name: "td moves",
			build: func(f *pdfFile) []byte {
				return fontPage(f, helvetica(f), "BT /F1 11 Tf 72 700 Td (Plaintiff) Tj 46 0 Td (filed) Tj 26 0 Td (suit.) Tj ET")
			},
			want: []string{"Plaintiff filed suit."},
		},
		{
			// Lines drawn bottom first: the text must come out top to bottom.
			name: "visual order",
			build: func(f *pdfFile) []byte {
				return fontPage(f, helvetica(f), "BT /F1 12 Tf 72 600 Td (second line) Tj ET BT /F1 12 Tf 72 620 Td (first line) Tj ET")
			},
			want: []string{"first line\nsecond line"},
		},
		{
			// A stamp drawn by a Form XObject (how ECF and PDF editors stamp pages), inside a
			// nested form, plus text on the page itself.
			name: "form xobject",
			build: func(f *pdfFile) []byte {
				font := helvetica(f)
				inner := f.stream(fmt.Sprintf("/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << /Font << /F9 %d 0 R >> >>", font),
					[]byte("BT /F9 10 Tf 36 760 Td (Case 3:20-cv-08570-JD Document 736 Filed 04/15/24 Page 1 of 2) Tj ET"), true)
				outer := f.stream(fmt.Sprintf("/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << /XObject << /In %d 0 R >> >>", inner),
					[]byte("q /In Do Q"), false)
				return onePage(f, fmt.Sprintf("<< /Font << /F1 %d 0 R >> /XObject << /Stamp %d 0 R >> >>", font, outer),
					"/Stamp Do BT /F1 12 Tf 72 700 Td (ORDER GRANTING MOTION) Tj ET")
			},
			want:  []string{"ORDER GRANTING MOTION"},
			avoid: []string{"Document 736"}, // it belongs in Stamp, checked below
		},
		{
			// fpdf/tcpdf-style Identity-H font whose ToUnicode bfrange spans more than 256
			// codes: typographic punctuation must not come out as control characters.
			name: "wide bfrange",
			build: func(f *pdfFile) []byte {
				cmap := "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n" +
					"1 begincodespacerange <0000> <FFFF> endcodespacerange\n" +
					"2 beginbfrange <0020> <007E> <0020> <0F00> <2100> <1F00> endbfrange\n" +
					"endcmap CMapName currentdict /CMap defineresource pop end end"
				tu := f.stream("", []byte(cmap), true)
				desc := f.add("<< /Type /Font /Subtype /CIDFontType2 /BaseFont /DejaVuSans /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 600 >>")
				font := f.add(fmt.Sprintf("<< /Type /Font /Subtype /Type0 /BaseFont /DejaVuSans /Encoding /Identity-H /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>", desc, tu))
				// “Fair” – said the court’s order—done (codes: 0x101C = U+201C, …).
				text := "<101C0046006100690072101D0020101300200073006100690064002000740068006500200063006F007500720074101900730020006F007200640065007210140064006F006E0065>"
				return fontPage(f, font,
					"BT /F1 12 Tf 72 700 Td "+text+" Tj ET")
			},
			want: []string{"“Fair” – said the court’s order—done"},
		},
		{
			// Line-end hyphens: a word broken across lines is rejoined; a docket number and a
			// hyphenated name are not.
			name: "dehyphenation",
			build: func(f *pdfFile) []byte {
				return fontPage(f, helvetica(f), "BT /F1 12 Tf 14 TL 72 700 Td (The motion was filed in Case No. 3:21-cv-) Tj T* (03977-JD by counsel for Mary Smith-) Tj T* (Jones after long consid-) Tj T* (eration.) Tj ET")
			},
			want:  []string{"3:21-cv-\n03977-JD", "Smith-\nJones", "after long consideration."},
			avoid: []string{"cv03977", "SmithJones"},
		},
		{
			// Ligatures and soft hyphens normalised.
			name: "nfkc",
			build: func(f *pdfFile) []byte {
				enc := f.add("<< /Type /Encoding /BaseEncoding /WinAnsiEncoding /Differences [1 /fi /fl] >>")
				font := f.add(fmt.Sprintf("<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman /Encoding %d 0 R >>", enc))
				return fontPage(f, font,
					"BT /F1 12 Tf 72 700 Td (\\001led a brief in\\002uence con\\255tract) Tj ET")
			},
			want: []string{"filed a brief influence con-tract"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pages, err := extractBytes(t, tt.build(&pdfFile{}), Options{})
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if len(pages) != 1 {
				t.Fatalf("got %d pages; want 1", len(pages))
			}
			text := pages[0].Text
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("text lacks %q; got %q", w, text)
				}
			}
			for _, a := range tt.avoid {
				if strings.Contains(text, a) {
					t.Errorf("text has %q; got %q", a, text)
				}
			}
			for _, r := range text {
				if r < 0x20 && r != '\n' {
					t.Errorf("control character %U in %q", r, text)
					break
				}
			}
			if tt.name == "form xobject" && !strings.HasPrefix(pages[0].Stamp, "Case 3:20-cv-08570-JD Document 736") {
				t.Errorf("stamp %q; want the form's ECF stamp", pages[0].Stamp)
			}
		})
	}
}
