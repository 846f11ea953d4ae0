// Package httpstatus records the status an http.Handler answered with, for middleware
// that acts on it after the handler returns (spans, counters).
package httpstatus

import "net/http"

// Writer is w remembering its status; it still streams (Flush) and unwraps for
// http.ResponseController.
type Writer struct {
	http.ResponseWriter
	// Code is the status sent, 200 until the handler sends another.
	Code int
	sent bool
}

// Wrap returns w recording its status.
func Wrap(w http.ResponseWriter) *Writer {
	return &Writer{ResponseWriter: w, Code: http.StatusOK}
}

// WriteHeader records the first final status, the one net/http sends: an informational
// one (1xx) comes before it, a second call is ignored by the server.
func (w *Writer) WriteHeader(code int) {
	if !w.sent && code >= 200 {
		w.Code, w.sent = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write sends the header first, as net/http does, so a later WriteHeader is not taken
// for the status.
func (w *Writer) Write(b []byte) (int, error) {
	w.sent = true
	return w.ResponseWriter.Write(b)
}

// Flush sends the header too, as net/http does.
func (w *Writer) Flush() {
	w.sent = true
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *Writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }
