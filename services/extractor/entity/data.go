package entity

import (
	_ "embed"
	"strings"

	"github.com/docketwatch/docketwatch/services/extractor/entity/ner"
)

// The reporter abbreviations are embedded so that the binary needs no data files; see
// data/SOURCES.md.
//
//go:embed data/reporters.txt
var reportersTxt string

// IsFirstName says whether w is a common English first name ("Janet", "ANGEL"), so that
// a caption's "JANET T. MILLS" can be cited by surname as court clerks do.
func IsFirstName(w string) bool { return ner.IsFirstName(strings.ToLower(w)) }
