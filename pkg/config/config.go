// Package config is docketwatch's one binding of settings. Every setting is a flag of the
// verb's flag set, and takes its value from, in order of precedence: the command line
// (--foo-bar), the environment (DOCKETWATCH_FOO_BAR), the YAML file named by --config
// (key foo-bar), and the flag's built-in default. One name, three places: nothing else
// reads DOCKETWATCH_* variables.
//
// Secrets (tokens, passwords) are flags too, so that they follow the same rule and show
// in the same listing, but Resolve refuses them on the command line: a process listing
// shows flags, and the environment or the file keeps them out of it.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// MaxFileBytes bounds a configuration file.
const MaxFileBytes = 1 << 20

// FileFlag is the flag naming the configuration file, when a verb takes one.
const FileFlag = "config"

// EnvName is the environment variable of a flag: DOCKETWATCH_ and the flag's name in
// capitals with '-' as '_' ("nats-user" → DOCKETWATCH_NATS_USER).
func EnvName(flagName string) string {
	return "DOCKETWATCH_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// Resolve completes fs after fs.Parse: each flag the command line did not set takes its
// environment variable when that is set and not empty, else its key in the file named by
// the "config" flag (itself from the command line or DOCKETWATCH_CONFIG), else keeps its
// default. Every error names the flag and where its value came from; a file key that
// names no flag is an error, so that a typo is not silently ignored.
func Resolve(fs *flag.FlagSet) error {
	fromCLI := map[string]bool{}
	var errs []error
	fs.Visit(func(f *flag.Flag) {
		fromCLI[f.Name] = true
		if IsSecret(f) {
			errs = append(errs, fmt.Errorf("--%s is a secret: set %s or the config file's %q, never a flag (a process listing shows flags)",
				f.Name, EnvName(f.Name), f.Name))
		}
	})
	fs.VisitAll(func(f *flag.Flag) {
		if fromCLI[f.Name] {
			return
		}
		if v := os.Getenv(EnvName(f.Name)); v != "" {
			if err := f.Value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s (--%s): %w", EnvName(f.Name), f.Name, err))
			}
			fromCLI[f.Name] = true // set: the file does not override it
		}
	})
	if err := errors.Join(errs...); err != nil {
		return err
	}
	path := ""
	if f := fs.Lookup(FileFlag); f != nil {
		path = f.Value.String()
	}
	if path == "" {
		return nil
	}
	return applyFile(fs, path, fromCLI)
}

// applyFile sets from the YAML file at path every flag of fs not in set.
func applyFile(fs *flag.FlagSet, path string, set map[string]bool) error {
	values, err := readFile(path)
	if err != nil {
		return err
	}
	var errs []error
	for _, k := range slices.Sorted(maps.Keys(values)) {
		fl := fs.Lookup(k)
		switch {
		case fl == nil || k == FileFlag:
			errs = append(errs, fmt.Errorf("--%s %s: %q is not a setting of %s", FileFlag, path, k, fs.Name()))
			continue
		case set[k]:
			continue
		}
		node := values[k]
		v, err := scalar(&node)
		if err == nil {
			err = fl.Value.Set(v)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("--%s %s: %s (--%s): %w", FileFlag, path, k, k, err))
		}
	}
	return errors.Join(errs...)
}

func readFile(path string) (map[string]yaml.Node, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--%s: %w", FileFlag, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("--%s %s: %w", FileFlag, path, err)
	}
	if len(data) > MaxFileBytes {
		return nil, fmt.Errorf("--%s %s is larger than %d bytes", FileFlag, path, MaxFileBytes)
	}
	var values map[string]yaml.Node
	if err := yaml.Unmarshal(data, &values); err != nil {
		return nil, fmt.Errorf("--%s %s: %w", FileFlag, path, err)
	}
	return values, nil
}

// scalar turns a YAML value into a flag's text: a scalar as written, a list joined by
// commas (the flags that take lists take them comma-separated).
func scalar(n *yaml.Node) (string, error) {
	switch n.Kind {
	case yaml.ScalarNode:
		return n.Value, nil
	case yaml.SequenceNode:
		var parts []string
		for _, c := range n.Content {
			if c.Kind != yaml.ScalarNode {
				return "", errors.New("a list may hold only plain values")
			}
			parts = append(parts, c.Value)
		}
		return strings.Join(parts, ","), nil
	}
	return "", errors.New("want a value or a list of values")
}

// secret is the flag.Value of a secret: it never prints its value.
type secret[T ~string] struct{ p *T }

func (s secret[T]) String() string {
	if s.p == nil || *s.p == "" {
		return ""
	}
	return "[redacted]"
}

func (s secret[T]) Set(v string) error { *s.p = T(strings.TrimSpace(v)); return nil }

func (secret[T]) isSecret() {}

// SecretVar registers a secret setting: read like any other from the environment or the
// file, refused on the command line by Resolve, never printed.
func SecretVar[T ~string](fs *flag.FlagSet, p *T, name, usage string) {
	fs.Var(secret[T]{p}, name, usage+" (secret: env "+EnvName(name)+" or the config file only)")
}

// IsSecret says whether f was registered by SecretVar.
func IsSecret(f *flag.Flag) bool {
	_, ok := f.Value.(interface{ isSecret() })
	return ok
}

// Choice is a flag.Value that accepts one of a fixed set of words: an enumerated setting,
// refused when parsed (from the command line, the environment or the file) rather than
// when first used.
type Choice struct {
	p       *string
	def     string
	choices []string
}

// ChoiceVar registers an enumerated setting with its default (empty: not set, for the
// program to decide).
func ChoiceVar(fs *flag.FlagSet, p *string, name, def string, choices []string, usage string) {
	*p = def
	fs.Var(&Choice{p: p, def: def, choices: choices}, name, usage+" ("+strings.Join(choices, ", ")+")")
}

func (c *Choice) String() string {
	if c.p == nil {
		return ""
	}
	return *c.p
}

func (c *Choice) Set(v string) error {
	for _, ch := range append([]string{c.def}, c.choices...) {
		if v == ch {
			*c.p = v
			return nil
		}
	}
	return fmt.Errorf("%q: want one of %s", v, strings.Join(c.choices, ", "))
}

// Choices lists the words the flag accepts, nil when it is not a Choice: for the tests
// that try every enumerated setting.
func Choices(f *flag.Flag) []string {
	if c, ok := f.Value.(*Choice); ok {
		return c.choices
	}
	return nil
}

// parsed is a flag.Value that hands each value to a parse function and prints the last
// one it accepted: flag.Func's values print nothing, so that neither a listing nor a
// test could tell where a value came from.
type parsed struct {
	text string
	set  func(string) error
}

func (p *parsed) String() string { return p.text }

func (p *parsed) Set(v string) error {
	if err := p.set(v); err != nil {
		return err
	}
	p.text = v
	return nil
}

// Func registers a setting that set parses into its destination (a list, a budget, a
// set of addresses); set refuses a value with an error.
func Func(fs *flag.FlagSet, name, usage string, set func(string) error) {
	fs.Var(&parsed{set: set}, name, usage)
}

// Example writes a YAML file listing every setting of fs but skip, commented out, with
// its usage, environment variable and default: the documentation of the file format.
func Example(w io.Writer, fs *flag.FlagSet, skip ...string) error {
	skipped := map[string]bool{FileFlag: true}
	for _, s := range skip {
		skipped[s] = true
	}
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if err != nil || skipped[f.Name] {
			return
		}
		usage := strings.ReplaceAll(f.Usage, "\n", " ")
		if env := EnvName(f.Name); !strings.Contains(usage, env) {
			usage += " (env " + env + ")"
		}
		_, err = fmt.Fprintf(w, "# %s\n# %s: %s\n\n", usage, f.Name, yamlValue(f.DefValue))
	})
	return err
}

func yamlValue(v string) string {
	if v == "" {
		return `""`
	}
	out, _ := yaml.Marshal(v)
	return strings.TrimSpace(string(out))
}
