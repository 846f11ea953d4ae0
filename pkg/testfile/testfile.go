// Package testfile reads the files tests take their input from (testdata, the shared
// corpus), failing the test when one cannot be read or decoded.
package testfile

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// Read returns the file at the path elem joins to.
func Read(t testing.TB, elem ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(elem...))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Text is Read as a string.
func Text(t testing.TB, elem ...string) string {
	t.Helper()
	return string(Read(t, elem...))
}

// JSON decodes the JSON file at path into v.
func JSON(t testing.TB, path string, v any) {
	t.Helper()
	if err := json.Unmarshal(Read(t, path), v); err != nil {
		t.Fatalf("decoding %s: %v", path, err)
	}
}

// File is a file read by Glob.
type File struct {
	Path string
	Data []byte
}

// Glob reads the files matching pattern (filepath.Glob) of at most maxSize bytes, in
// name order: the seeds of a fuzz test, which mutate faster when small.
func Glob(t testing.TB, pattern string, maxSize int) []File {
	t.Helper()
	paths, err := filepath.Glob(pattern)
	if err != nil {
		t.Fatal(err)
	}
	var out []File
	for _, p := range paths {
		if data := Read(t, p); len(data) <= maxSize {
			out = append(out, File{Path: p, Data: data})
		}
	}
	return out
}
