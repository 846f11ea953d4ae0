package testtool

import (
	"errors"
	"testing"
)

func TestNeed(t *testing.T) {
	ok := func() error { return nil }
	missing := func() error { return errors.New("pdftotext not found") }
	var ran []string
	for _, tc := range []struct {
		name   string
		checks []func() error
		skip   bool
	}{
		{"all there", []func() error{ok, ok}, false},
		{"one missing", []func() error{ok, missing}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			Need(t, tc.checks...)
			ran = append(ran, tc.name)
		})
	}
	if len(ran) != 1 || ran[0] != "all there" {
		t.Errorf("ran %v; want only the test whose programs are all there", ran)
	}
}
