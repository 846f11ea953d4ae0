package pdftext

import (
	"bytes"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/fault"
	"github.com/docketwatch/docketwatch/pkg/testfile"
)

// TestHostilePDFs feeds files built to break a parser. Each must end in a permanent error
// or in pages without text — never a panic, a hang (extractBytes fails after 20 s) or
// runaway memory.
func TestHostilePDFs(t *testing.T) {
	real := testfile.Read(t, "testdata", "ca2_1-1.pdf")
	cases := map[string][]byte{
		"zero bytes":      {},
		"header only":     []byte("%PDF-1.4\n"),
		"junk":            bytes.Repeat([]byte{0x8f, 0x00, 'x', '[', '<'}, 4000),
		"truncated half":  real[:len(real)/2],
		"truncated tail":  real[:len(real)-40],
		"no xref":         []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"),
		"cyclic kids":     cyclicKids(),
		"parent cycle":    parentCycle(),
		"huge count":      hugeCount(),
		"deep page tree":  deepTree(200),
		"recursive forms": recursiveForms(),
		"nested arrays in content": onePage(&pdfFile{}, "<< >>",
			strings.Repeat("[", 200_000)+" TJ"),
		"nested arrays in objects": nestedObjectArrays(100_000),
		"flate bomb":               flateBomb(),
		"text bomb":                textBomb(),
		"operand flood": onePage(&pdfFile{}, "<< >>",
			strings.Repeat("1 ", 100_000)+"Tj"),
		"bad filter": func() []byte {
			f := &pdfFile{}
			c := f.add("<< /Length 5 /Filter /JBIG9Decode >>\nstream\nhello\nendstream")
			pages := f.add("")
			page := f.add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /Contents %d 0 R >>", pages, c))
			f.set(pages, fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R] /Count 1 >>", page))
			return f.bytes(f.add(fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pages)))
		}(),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			pages, err := extractBytes(t, data, Options{})
			if err != nil {
				if !fault.IsPermanent(err) {
					t.Errorf("got %v error %v; want permanent", fault.KindOf(err), err)
				}
				return
			}
			for _, p := range pages {
				if strings.TrimSpace(p.Text) != "" && name != "recursive forms" && name != "truncated tail" {
					t.Errorf("page %d has text %.80q; want an error or empty pages", p.Number, p.Text)
				}
			}
		})
	}
}

func cyclicKids() []byte {
	f := &pdfFile{}
	pages := f.add("")
	f.set(pages, fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R] /Count 1 >>", pages))
	return f.bytes(f.add(fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pages)))
}

// parentCycle has an intermediate node whose kid is the root, through /Kids.
func parentCycle() []byte {
	f := &pdfFile{}
	root := f.add("")
	mid := f.add(fmt.Sprintf("<< /Type /Pages /Parent %d 0 R /Kids [%d 0 R] /Count 1 >>", root, root))
	f.set(root, fmt.Sprintf("<< /Type /Pages /Parent %d 0 R /Kids [%d 0 R] /Count 1 >>", mid, mid))
	return f.bytes(f.add(fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", root)))
}

func hugeCount() []byte {
	f := &pdfFile{}
	c := f.stream("", []byte(""), false)
	pages := f.add("")
	page := f.add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /Contents %d 0 R >>", pages, c))
	f.set(pages, fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R] /Count 2000000000 >>", page))
	return f.bytes(f.add(fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pages)))
}

func deepTree(depth int) []byte {
	f := &pdfFile{}
	leaf := f.add("<< /Type /Page >>")
	node := leaf
	for i := 0; i < depth; i++ {
		node = f.add(fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R] /Count 1 >>", node))
	}
	return f.bytes(f.add(fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", node)))
}

// recursiveForms has a form that draws itself and a pair that draw each other, fanned
// out so that a missing cycle check would explode.
func recursiveForms() []byte {
	f := &pdfFile{}
	font := helvetica(f)
	a := f.add("") // placeholders, replaced below with streams that name each other
	b := f.add("")
	body := func(other int) string {
		return fmt.Sprintf("<< /Type /XObject /Subtype /Form /BBox [0 0 10 10] /Resources << /Font << /F1 %d 0 R >> /XObject << /A %d 0 R /B %d 0 R >> >> /Length %%d >>\nstream\n%%s\nendstream", font, a, other)
	}
	content := "BT /F1 9 Tf 10 10 Td (loop) Tj ET /A Do /B Do /A Do /B Do"
	f.set(a, fmt.Sprintf(body(b), len(content), content))
	f.set(b, fmt.Sprintf(body(a), len(content), content))
	return onePage(f, fmt.Sprintf("<< /XObject << /A %d 0 R >> >>", a), "/A Do")
}

func nestedObjectArrays(depth int) []byte {
	f := &pdfFile{}
	pages := f.add("")
	page := f.add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /Junk %s1%s >>", pages, strings.Repeat("[", depth), strings.Repeat("]", depth)))
	f.set(pages, fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R] /Count 1 >>", page))
	return f.bytes(f.add(fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pages)))
}

// flateBomb is a page whose content stream inflates to 256 MiB of zeros, four times the stream limit.
func flateBomb() []byte {
	var z bytes.Buffer
	w, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	zeros := make([]byte, 1<<20)
	for i := 0; i < 256; i++ {
		w.Write(zeros)
	}
	w.Close()
	f := &pdfFile{}
	c := f.add(fmt.Sprintf("<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream", z.Len(), z.Bytes()))
	pages := f.add("")
	page := f.add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /Contents %d 0 R >>", pages, c))
	f.set(pages, fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R] /Count 1 >>", page))
	return f.bytes(f.add(fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pages)))
}

// textBomb maps one code to 512 KiB of text through ToUnicode and shows it 200 times:
// 100 MiB of page text from a file of a few kilobytes.
func textBomb() []byte {
	f := &pdfFile{}
	cmap := "1 begincodespacerange <00> <FF> endcodespacerange\n1 beginbfchar <41> <" +
		strings.Repeat("0042", 512<<10) + "> endbfchar\n"
	tu := f.stream("", []byte(cmap), true)
	font := f.add(fmt.Sprintf("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode %d 0 R >>", tu))
	return fontPage(f, font,
		"BT /F1 12 Tf 72 700 Td ("+strings.Repeat("A", 200)+") Tj ET")
}

func TestExtractHonoursContext(t *testing.T) {
	data := testfile.Read(t, "testdata", "ca1_00117684624.pdf")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Extract(ctx, data, Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v; want context.Canceled", err)
	}
}

// TestWorkersAndMaxPages checks that parallel extraction gives the same text as serial,
// and that MaxPages stops early.
func TestWorkersAndMaxPages(t *testing.T) {
	serial, err := extractFile(t, "ca1_00117684624.pdf", Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	parallel, err := extractFile(t, "ca1_00117684624.pdf", Options{Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	if len(serial) != len(parallel) {
		t.Fatalf("got %d pages in parallel; want %d", len(parallel), len(serial))
	}
	for i := range serial {
		if serial[i] != parallel[i] {
			t.Errorf("page %d differs between 1 and 4 workers", i+1)
		}
	}
	few, err := extractFile(t, "ca1_00117684624.pdf", Options{MaxPages: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(few) != 3 {
		t.Errorf("got %d pages with MaxPages 3; want 3", len(few))
	}
}
