package entity

import (
	_ "embed"
	"strings"
	"sync"
)

// The lexicons are embedded so that the binary needs no data files; see data/SOURCES.md.
var (
	//go:embed data/firstnames.txt
	firstNamesTxt string
	//go:embed data/reporters.txt
	reportersTxt string
)

var firstOnce = sync.OnceValue(func() map[string]bool {
	m := make(map[string]bool, 9000)
	for _, l := range strings.Split(firstNamesTxt, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			m[l] = true
		}
	}
	return m
})

// firstNames returns the lower-case first-names lexicon, shared by all recognisers.
func firstNames() map[string]bool { return firstOnce() }

// IsFirstName says whether w is a common English first name ("Janet", "ANGEL"), so that
// a caption's "JANET T. MILLS" can be cited by surname as court clerks do.
func IsFirstName(w string) bool { return firstNames()[strings.ToLower(w)] }
