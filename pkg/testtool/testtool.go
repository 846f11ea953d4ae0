// Package testtool skips the tests whose external programs (poppler's tools,
// tesseract) are not installed here, saying which is missing.
package testtool

import "testing"

// Need skips the test unless every check passes; a check is a package's own test of its
// programs (poppler.Available, ocr.Available), whose error names what is missing.
func Need(tb testing.TB, checks ...func() error) {
	tb.Helper()
	for _, available := range checks {
		if err := available(); err != nil {
			tb.Skipf("skipping: %v", err)
		}
	}
}
