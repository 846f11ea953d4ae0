package proc

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"time"
)

// Version runs tool with args (its version flag) and returns the first group of re in
// what it prints, on standard output or standard error: "22.12" of `pdftotext -v`. A
// missing tool's error wraps ErrNotFound.
func Version(ctx context.Context, tool string, args []string, re *regexp.Regexp) (string, error) {
	out, err := Combined(ctx, Cmd{Tool: tool, Args: args, Timeout: 10 * time.Second})
	if err != nil {
		return "", err
	}
	m := re.FindSubmatch(out)
	if m == nil {
		first, _, _ := bytes.Cut(out, []byte("\n"))
		return "", fmt.Errorf("reading %s version from %q", tool, first)
	}
	return string(m[1]), nil
}

// VersionedName names an engine with its version for per-page records ("poppler/22.12"),
// or by name alone when version fails.
func VersionedName(name string, version func() (string, error)) string {
	v, err := version()
	if err != nil {
		return name
	}
	return name + "/" + v
}
