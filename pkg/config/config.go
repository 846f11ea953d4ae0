// Package config reads docketwatch's optional YAML configuration file. Settings come from,
// in order of precedence: command-line flags, DOCKETWATCH_* environment variables, the
// file, and the built-in defaults. The file's keys are the flags' names ("nats-user",
// "courtlistener-courts"), so one list documents all three.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// MaxFileBytes bounds a configuration file.
const MaxFileBytes = 1 << 20

// EnvName is the environment variable of a flag: DOCKETWATCH_ and the flag's name in
// capitals with '-' as '_' ("nats-user" → DOCKETWATCH_NATS_USER).
func EnvName(flagName string) string {
	return "DOCKETWATCH_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// Apply sets from the YAML file at path every flag of fs that neither the command line
// nor its environment variable set. A key that names no flag is an error, so a typo is
// not silently ignored; so is a value the flag refuses.
func Apply(fs *flag.FlagSet, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("reading config: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return fmt.Errorf("reading config %s: %w", path, err)
	}
	if len(data) > MaxFileBytes {
		return fmt.Errorf("config %s is larger than %d bytes", path, MaxFileBytes)
	}
	var values map[string]yaml.Node
	if err := yaml.Unmarshal(data, &values); err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var errs []error
	for _, k := range keys {
		fl := fs.Lookup(k)
		if fl == nil {
			errs = append(errs, fmt.Errorf("config %s: %q is not a setting of %s", path, k, fs.Name()))
			continue
		}
		if set[k] || os.Getenv(EnvName(k)) != "" {
			continue
		}
		node := values[k]
		v, err := scalar(&node)
		if err != nil {
			errs = append(errs, fmt.Errorf("config %s: %s: %w", path, k, err))
			continue
		}
		if err := fs.Set(k, v); err != nil {
			errs = append(errs, fmt.Errorf("config %s: %s: %w", path, k, err))
		}
	}
	return errors.Join(errs...)
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

// Example writes a YAML file listing every flag of fs, commented out, with its usage and
// default: the documentation of the file format.
func Example(w io.Writer, fs *flag.FlagSet, skip ...string) error {
	skipped := map[string]bool{}
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
