// Package httpstatus records the status an http.Handler answered with, for middleware
// that acts on it after the handler returns (spans, counters).
package httpstatus

import "net/http"

// Writer is w remembering its status; it still streams (Flush) and unwraps for
// http.ResponseController.
type Writer struct {
	http.ResponseWriter
	// Code is the status written, 200 until the handler writes another.
	Code int
}

// Wrap returns w recording its status.
func Wrap(w http.ResponseWriter) *Writer {
	return &Writer{ResponseWriter: w, Code: http.StatusOK}
}

func (w *Writer) WriteHeader(code int) {
	w.Code = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *Writer) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *Writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }
