package pdftext

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/testfile"
	"github.com/ledongthuc/pdf"
)

// TestStreamDecoderMatchesLibrary decodes every page's content streams of the testdata
// PDFs with the worker's decoder and with the library: the bytes must be the same.
func TestStreamDecoderMatchesLibrary(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.pdf"))
	var sd streamDecoder
	decoded := 0
	for _, f := range files {
		data := testfile.Read(t, f)
		r, body, err := open(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		sd.file = body
		nodes, err := walkPages(r.Trailer().Key("Root").Key("Pages"), 0)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for i, n := range nodes {
			c := n.v.Key("Contents")
			streams := []pdf.Value{c}
			if c.Kind() == pdf.Array {
				streams = streams[:0]
				for j := 0; j < c.Len(); j++ {
					streams = append(streams, c.Index(j))
				}
			}
			for _, s := range streams {
				if _, _, ok := sd.flateData(s); !ok {
					continue
				}
				want, wantErr := readStream(s, maxContentBytes)
				got, err := sd.appendStream(nil, s, maxContentBytes)
				if !bytes.Equal(got, want) || (err == nil) != (wantErr == nil) {
					t.Errorf("%s page %d: got %d bytes, %v; want %d bytes, %v", f, i+1, len(got), err, len(want), wantErr)
				}
				decoded++
			}
		}
	}
	if decoded == 0 {
		t.Fatal("no Flate content stream decoded")
	}
}
