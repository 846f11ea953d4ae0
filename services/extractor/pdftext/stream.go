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
	return appendStream(nil, v, limit)
}

// appendStream decodes a stream onto dst, which a caller reuses for transient data
// such as a page's content; limit bounds the stream, not dst.
func appendStream(dst []byte, v pdf.Value, limit int64) (data []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			data, err = dst, fmt.Errorf("decoding stream: %v", r)
		}
	}()
	if v.Kind() != pdf.Stream {
		return dst, fmt.Errorf("decoding stream: not a stream")
	}
	rc := v.Reader()
	defer rc.Close()
	start := len(dst)
	data, err = appendAll(dst, io.LimitReader(rc, limit+1))
	if int64(len(data)-start) > limit {
		return dst, fmt.Errorf("decoding stream: larger than %d bytes", limit)
	}
	if err != nil && len(data) == start {
		return dst, fmt.Errorf("decoding stream: %w", err)
	}
	// A stream cut short (a truncated file, a corrupt tail) still yields what decoded.
	return data, nil
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
}

// appendStream is the package's appendStream with the decoder's reader.
func (sd *streamDecoder) appendStream(dst []byte, v pdf.Value, limit int64) (data []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			data, err = dst, fmt.Errorf("decoding stream: %v", r)
		}
	}()
	raw, length, ok := sd.flateData(v)
	if !ok {
		return appendStream(dst, v, limit)
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
	start := len(dst)
	data, err = appendAll(dst, io.LimitReader(sd.zr, limit+1))
	if int64(len(data)-start) > limit {
		return dst, fmt.Errorf("decoding stream: larger than %d bytes", limit)
	}
	if err != nil && len(data) == start {
		return dst, fmt.Errorf("decoding stream: %w", err)
	}
	return data, nil
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
