package pdftext

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"reflect"

	"github.com/ledongthuc/pdf"
)

// Stream size limits: a decoded content stream or CMap larger than this is a bomb or a
// broken file, not a court filing.
const (
	maxContentBytes = 64 << 20
	maxCMapBytes    = 8 << 20
)

// readStream decodes a stream with a size bound. ledongthuc/pdf panics on unknown
// filters and corrupt data; that becomes an error here.
func readStream(v pdf.Value, limit int64) ([]byte, error) {
	data, _, err := appendStream(nil, v, limit)
	return data, err
}

// appendStream decodes a stream onto dst, which a caller reuses for transient data
// such as a page's content; limit bounds the stream, not dst. A stream cut short (a
// truncated file, a corrupt tail, a wrong /Length) still yields what decoded, and says
// so.
func appendStream(dst []byte, v pdf.Value, limit int64) (data []byte, cutShort bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			data, cutShort, err = dst, false, fmt.Errorf("decoding stream: %v", r)
		}
	}()
	if v.Kind() != pdf.Stream {
		return dst, false, fmt.Errorf("decoding stream: not a stream")
	}
	rc := v.Reader()
	defer rc.Close()
	return decoded(dst, io.LimitReader(rc, limit+1), limit)
}

// decoded appends what r decodes onto dst: an error if nothing decoded or more than
// limit bytes did, what decoded (cut short) if the decoding failed after some.
func decoded(dst []byte, r io.Reader, limit int64) (data []byte, cutShort bool, err error) {
	start := len(dst)
	data, err = appendAll(dst, r)
	if int64(len(data)-start) > limit {
		return dst, false, fmt.Errorf("decoding stream: larger than %d bytes", limit)
	}
	if err != nil && len(data) == start {
		return dst, false, fmt.Errorf("decoding stream: %w", err)
	}
	return data, err != nil, nil
}

// appendAll is io.ReadAll onto b.
func appendAll(b []byte, r io.Reader) ([]byte, error) {
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// streamDecoder decodes a worker's streams. The library makes a zlib reader — with a
// 32 KiB window and its tables — for every stream it decodes; a Flate stream of an
// unencrypted file is read here from the file's bytes with one reader, reset per
// stream. Other streams (other filters, predictors, encryption) go to the library.
type streamDecoder struct {
	file []byte        // the bytes the library reads; nil when they are encrypted
	zr   io.ReadCloser // a zlib.Resetter once made
	src  bytes.Reader
	// incomplete says some stream of those decoded since it was last cleared was not
	// read whole: cut short here, or skipped as undecodable by pageContent.
	incomplete bool
}

// appendStream is the package's appendStream with the decoder's reader; a stream cut
// short sets incomplete.
func (sd *streamDecoder) appendStream(dst []byte, v pdf.Value, limit int64) (data []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			data, err = dst, fmt.Errorf("decoding stream: %v", r)
		}
	}()
	var cutShort bool
	defer func() { sd.incomplete = sd.incomplete || cutShort }()
	raw, length, ok := sd.flateData(v)
	if !ok {
		data, cutShort, err = appendStream(dst, v, limit)
		return data, err
	}
	if length == 0 {
		return dst, nil // as the library: an empty stream has no filter to apply
	}
	sd.src.Reset(raw)
	if sd.zr == nil {
		sd.zr, err = zlib.NewReader(&sd.src)
	} else {
		err = sd.zr.(zlib.Resetter).Reset(&sd.src, nil)
	}
	if err != nil {
		sd.zr = nil
		return dst, fmt.Errorf("decoding stream: %v", err)
	}
	data, cutShort, err = decoded(dst, io.LimitReader(sd.zr, limit+1), limit)
	return data, err
}

// flateData returns the encoded bytes of v when it is a stream the decoder reads
// itself: an unencrypted FlateDecode stream without parameters. The library keeps the
// stream's offset in an unexported field; reflection reads it, as idOf does the object
// number, and anything unexpected leaves the stream to the library.
func (sd *streamDecoder) flateData(v pdf.Value) (raw []byte, length int64, ok bool) {
	if sd.file == nil || v.Kind() != pdf.Stream || v.Key("Filter").Name() != "FlateDecode" || v.Key("DecodeParms").Kind() != pdf.Null {
		return nil, 0, false
	}
	data := reflect.ValueOf(v).FieldByName("data")
	if !data.IsValid() || data.Kind() != reflect.Interface || data.IsNil() || data.Elem().Kind() != reflect.Struct {
		return nil, 0, false
	}
	off := data.Elem().FieldByName("offset")
	if !off.IsValid() || off.Kind() != reflect.Int64 {
		return nil, 0, false
	}
	start, n := off.Int(), v.Key("Length").Int64()
	if start < 0 || n < 0 {
		return nil, 0, false
	}
	// As the library's section reader: what lies past the end of the file is missing.
	start = min(start, int64(len(sd.file)))
	return sd.file[start:min(start+n, int64(len(sd.file)))], n, true
}
