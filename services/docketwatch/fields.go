package main

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// fieldWriter writes one record as aligned "field: value" lines (`alerts show`,
// `jobs show`); a field without a value is left out.
type fieldWriter struct{ tw *tabwriter.Writer }

func newFieldWriter(w io.Writer) fieldWriter {
	return fieldWriter{tw: tabwriter.NewWriter(w, 0, 4, 1, ' ', 0)}
}

func (f fieldWriter) row(field, value string) {
	if value != "" {
		fmt.Fprintf(f.tw, "%s:\t%s\n", field, value)
	}
}

// flush writes the aligned lines.
func (f fieldWriter) flush() error { return f.tw.Flush() }
