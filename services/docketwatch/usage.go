package main

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
)

// usageError is a command used wrongly: a flag it does not take, a missing or extra
// argument, a bad value. main prints it with the usage of the command it came from (its
// synopsis and its flags) and exits 2; only a command that is no verb at all gets the
// top-level usage, since that is where the fix is.
type usageError struct {
	msg string
	// cmd is the command as typed ("search", "alerts add"); fs.Name() when fs is set.
	cmd string
	// fs holds the command's flags, printed under its synopsis when set.
	fs *flag.FlagSet
}

func (e usageError) Error() string { return e.msg }

// badUsage is a usage error of the command whose flags fs holds.
func badUsage(fs *flag.FlagSet, format string, args ...any) usageError {
	return usageError{msg: fmt.Sprintf(format, args...), cmd: fs.Name(), fs: fs}
}

// printUsage writes the command's synopsis and flags, or the top-level usage.
func (e usageError) printUsage(w io.Writer) {
	if e.cmd == "" {
		fmt.Fprint(w, "\n"+usage)
		return
	}
	fmt.Fprintf(w, "\nUsage:\n%s\n", synopsis(e.cmd))
	if e.fs != nil {
		fmt.Fprintf(w, "\nFlags of docketwatch %s:\n", e.cmd)
		e.fs.SetOutput(w)
		e.fs.PrintDefaults()
	}
}

// synopsis returns the lines of the usage texts that describe cmd ("alerts add": its line
// in alertsUsage; "alerts": every alerts line), read from those texts so that a verb's
// usage and the top-level one cannot disagree. Verb texts come before the top-level one.
func synopsis(cmd string) string {
	words := strings.Fields(cmd)
	for _, text := range []string{alertsUsage, pacerUsage, usage} {
		var out []string
		taking := false
		for _, line := range strings.Split(text, "\n") {
			trimmed := strings.TrimSpace(line)
			if f := strings.Fields(trimmed); len(f) > 0 && f[0] == "docketwatch" {
				taking = commandMatches(f[1:], words)
			} else if trimmed == "" || !strings.HasPrefix(line, " ") {
				taking = false
			}
			if taking {
				out = append(out, "  "+trimmed)
			}
		}
		if len(out) > 0 {
			return strings.Join(out, "\n")
		}
	}
	return "  docketwatch " + cmd
}

// commandMatches reports whether a synopsis line's words (after "docketwatch") name the
// command words: each word is one of the alternatives the line gives ("add|list").
func commandMatches(line, words []string) bool {
	if len(line) < len(words) {
		return false
	}
	for i, w := range words {
		if !slices.Contains(strings.Split(line[i], "|"), w) {
			return false
		}
	}
	return true
}

// noArgs parses the flags of a command that takes no positional argument, refusing any.
func noArgs(fs *flag.FlagSet, args []string) error {
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return badUsage(fs, "%s takes no arguments, got %q", fs.Name(), pos)
	}
	return nil
}
