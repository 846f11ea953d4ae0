package pdftext

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/testfile"
)

// producerText is a filing-like passage written for this test: sentences long enough to
// wrap, a docket number, a citation, a hyphenated name and a few numbers.
const producerText = `Plaintiffs allege that the defendant restricted access to its messaging interface after
the competitor launched a rival service. The motion to dismiss in case No. 3:21-cv-03977
relies on Verizon Communications Inc. v. Law Offices of Curtis V. Trinko, LLP, 540 U.S. 398
(2004), and argues that a refusal to deal is lawful absent a prior course of dealing.
Declarant Maria Lopez-Garcia testified that 1,250 developers lost access on April 15, 2024,
and that the company's revenue fell by $4.2 million in the following quarter. The court
heard argument on the parties' competing positions and took the matter under submission.`

// TestProducers renders the same passage with the producers court filings come from —
// groff's own PDF writer, Ghostscript (groff to PostScript to ps2pdf) and LibreOffice —
// and checks the Go engine's words against the passage itself and against
// `pdftotext -layout` on the same file: word F1 ≥ 0.97 each. A producer whose program is
// missing is skipped with a message (scripts/install-deps.sh test installs them).
func TestProducers(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "passage.txt")
	if err := os.WriteFile(src, []byte(producerText), 0o644); err != nil {
		t.Fatal(err)
	}
	roff := filepath.Join(dir, "passage.ms")
	if err := os.WriteFile(roff, []byte(".LP\n"+producerText+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	producers := []struct {
		name  string
		needs []string
		make  func(out string) *exec.Cmd
	}{
		{"groff (gropdf)", []string{"groff", "gropdf"}, func(out string) *exec.Cmd {
			return exec.Command("sh", "-c", `groff -Tpdf -ms "$1" > "$2"`, "sh", roff, out)
		}},
		{"ghostscript (ps2pdf)", []string{"groff", "ps2pdf"}, func(out string) *exec.Cmd {
			return exec.Command("sh", "-c", `groff -Tps -ms "$1" | ps2pdf - "$2"`, "sh", roff, out)
		}},
		{"libreoffice", []string{"soffice"}, func(out string) *exec.Cmd {
			cmd := exec.Command("soffice", "--headless", "--norestore", "-env:UserInstallation=file://"+filepath.Join(dir, "lo"),
				"--convert-to", "pdf", "--outdir", dir, src)
			return cmd
		}},
	}
	want := words(producerText)
	for _, p := range producers {
		t.Run(p.name, func(t *testing.T) {
			for _, bin := range p.needs {
				if _, err := exec.LookPath(bin); err != nil {
					t.Skipf("%s not installed", bin)
				}
			}
			out := filepath.Join(dir, strings.Fields(p.name)[0]+".pdf")
			cmd := p.make(out)
			if p.name == "libreoffice" {
				out = filepath.Join(dir, "passage.pdf")
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			if b, err := exec.CommandContext(ctx, cmd.Args[0], cmd.Args[1:]...).CombinedOutput(); err != nil {
				t.Fatalf("producing the PDF: %v: %s", err, b)
			}
			data := testfile.Read(t, out)
			pages, err := Extract(context.Background(), data, Options{})
			if err != nil {
				t.Fatalf("extracting: %v", err)
			}
			var text strings.Builder
			for _, pg := range pages {
				text.WriteString(pg.Stamp + "\n" + pg.Text + "\n")
			}
			got := words(text.String())
			if f, prec, rec := f1(got, want); f < 0.97 {
				t.Errorf("F1 against the passage %.3f (precision %.3f, recall %.3f) < 0.97\n%s", f, prec, rec, text.String())
			} else {
				t.Logf("F1 against the passage %.3f", f)
			}
			if ref, _, err := pdftotext(out); err == nil {
				lines := strings.Split(ref, "\n")
				for i := range lines {
					lines[i] = strings.TrimSpace(lines[i])
				}
				vocab := map[string]bool{}
				addVocabulary(vocab, lines)
				if f, _, _ := f1(got, words(strings.Join(dehyphenate(lines, vocab), "\n"))); f < 0.97 {
					t.Errorf("F1 against pdftotext -layout %.3f < 0.97", f)
				} else {
					t.Logf("F1 against pdftotext -layout %.3f", f)
				}
			}
		})
	}
}
