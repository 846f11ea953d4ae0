package testpdf

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

// TestPopplerReadsIt checks the output is a PDF another reader accepts, when one is here.
func TestPopplerReadsIt(t *testing.T) {
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext not installed")
	}
	cmd := exec.Command(bin, "-", "-")
	cmd.Stdin = bytes.NewReader(New("Hello (court) one", "Second page\nline two"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v: %s", err, out)
	}
	for _, want := range []string{"Hello (court) one", "Second page", "line two"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("pdftotext output %q lacks %q", out, want)
		}
	}
	if n := strings.Count(string(out), "\f"); n != 2 {
		t.Errorf("got %d pages; want 2", n)
	}
}
