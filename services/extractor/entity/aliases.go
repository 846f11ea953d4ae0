package entity

import (
	"fmt"
	"io"

	"gopkg.in/yaml.v3"
)

// maxAliasFile bounds the alias file a user may give.
const maxAliasFile = 4 << 20

// LoadAliases reads a user alias file: YAML mapping each canonical name to its other
// names ("Meta Platforms": ["Facebook", "Meta"]). The result goes in Options.Aliases.
func LoadAliases(r io.Reader) (map[string][]string, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxAliasFile+1))
	if err != nil {
		return nil, fmt.Errorf("reading alias file: %w", err)
	}
	if len(b) > maxAliasFile {
		return nil, fmt.Errorf("reading alias file: larger than %d bytes", maxAliasFile)
	}
	m := map[string][]string{}
	if err := yaml.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("parsing alias file: %w", err)
	}
	seen := map[string]string{}
	for canon, als := range m {
		for _, a := range append([]string{canon}, als...) {
			if prev, ok := seen[fold(a)]; ok && prev != canon {
				return nil, fmt.Errorf("parsing alias file: %q is an alias of both %q and %q", a, prev, canon)
			}
			seen[fold(a)] = canon
		}
	}
	return m, nil
}
