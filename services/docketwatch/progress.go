package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progress shows how far a long verb (ingest, reindex, reextract, jobs follow) is: a bar
// on a terminal, else a count line at each tenth of the work, so that a log shows the
// work moving without a line per document. Rates are over the time since the first
// report, and only once a second has passed: a job found half done, or a jump of
// thousands in the first milliseconds, makes no "3521127 docs/s".
type progress struct {
	w     io.Writer
	label string // "ingest", "reindex"
	unit  string // "files", "docs"
	tty   bool
	now   func() time.Time

	bar       *progressbar.ProgressBar
	start     time.Time
	base      int64 // done at the first report: work done before this process looked
	total     int64
	lastTenth int64
}

func newProgress(w io.Writer, label, unit string) *progress {
	return &progress{w: w, label: label, unit: unit, tty: isTerminal(w), now: time.Now, lastTenth: -1}
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// set reports done of total (total 0: not known yet, nothing is shown).
func (p *progress) set(done, total int64) {
	if total <= 0 {
		return
	}
	now := p.now()
	if p.start.IsZero() {
		p.start, p.base = now, done
	}
	p.total = total
	if p.tty {
		p.setBar(done, total, now)
		return
	}
	if tenth := done * 10 / total; tenth > p.lastTenth {
		p.lastTenth = tenth
		fmt.Fprintf(p.w, "%s: %d of %d %s%s\n", p.label, done, total, p.unit, p.rate(done, now, "; "))
	}
}

func (p *progress) setBar(done, total int64, now time.Time) {
	if p.bar == nil {
		p.bar = progressbar.NewOptions64(total, progressbar.OptionSetDescription(p.label),
			progressbar.OptionShowCount(), progressbar.OptionSetWriter(p.w),
			progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionClearOnFinish())
	}
	p.bar.ChangeMax64(total)
	p.bar.Describe(p.label + p.rate(done, now, " "))
	p.bar.Set64(done)
}

// rate is " 12.5 docs/s, 40s left" once a second has passed with work done, else "".
func (p *progress) rate(done int64, now time.Time, sep string) string {
	elapsed := now.Sub(p.start)
	moved := done - p.base
	if elapsed < time.Second || moved <= 0 {
		return ""
	}
	perSec := float64(moved) / elapsed.Seconds()
	s := fmt.Sprintf("%s%.1f %s/s", sep, perSec, p.unit)
	if left := p.total - done; left > 0 {
		s += fmt.Sprintf(", %s left", time.Duration(float64(left)/perSec*float64(time.Second)).Round(time.Second))
	}
	return s
}

// finish ends the bar, leaving the line free for the verb's summary.
func (p *progress) finish() {
	if p.bar != nil {
		p.bar.Finish()
	}
}
