package filing

import (
	"regexp"
	"strings"
)

// Case-name clean-up follows juriscraper's harmonize and clean_string
// (juriscraper/lib/string_utils.py), so that a case name read from a feed is spelled the
// way CourtListener stores it: "USA v. Doe et al" → "United States v. Doe".
var (
	versusLoose  = regexp.MustCompile(`(?i)\svs\.?\s`)
	versusBare   = regexp.MustCompile(`\sv\.?\s`)
	unitedStates = regexp.MustCompile(`(?i)^(USA|U\.S\.A\.|U\.S\.?|U\. S\.?|(The )?United States of America|The United States)(,|\.)?$`)
	etAl         = regexp.MustCompile(`(?i),?\set\.?\sal\.?`)
	leadingNo    = regexp.MustCompile(`^Nos?\.\s+`)
	// badWords are party roles that are not part of a name ("Plaintiff-Appellant").
	badWords = regexp.MustCompile(`(?i)^(appell(ee|ant)s?|claimants?|complainants?|defendants?|defendants?(--?|/)appell(ee|ant)s?` +
		`|devisee|executor|executrix|pet(\.|itioner)s?|petitioners?(--?|/)appell(ee|ant)s?` +
		`|petitioners?(--?|/)defendants?|plaintiffs?|plaintiffs?(--?|/)appell(ee|ant)s?|respond(e|a)nts?` +
		`|respond(e|a)nts?(--?|/)appell(ee|ant)s?|cross(--?|/)respondents?|crosss?(--?|/)petitioners?` +
		`|cross(--?|/)appell(ees|ant)s?|deceased)(,|\.)?$`)
	badEnds      = regexp.MustCompile(`(-|–|_|/|;|,|\s)*$`)
	badStarts    = regexp.MustCompile(`^(-|–|_|/|;|,|\s)*`)
	stringsClean = strings.NewReplacer(
		"&rsquo;", "'", "&rdquo;", `"`, "&ldquo;", `"`, "&nbsp;", " ", "&amp;", "&", "%20", " ", "&#160;", " ",
		"’", "'", "‘", "'", "“", `"`, "”", `"`,
		"*", "", "#", "", ";", "",
	)
)

// harmonize normalises a case name: "vs." becomes "v.", party roles and "et al" go, and
// the spellings of the United States become "United States".
func harmonize(text string) string {
	text = versusLoose.ReplaceAllString(text, " v. ")
	text = versusBare.ReplaceAllString(text, " v. ")

	words := strings.Fields(text)
	for i, w := range words {
		words[i] = badWords.ReplaceAllString(w, "")
	}
	text = strings.Join(words, " ")

	parties := strings.Split(text, " v. ")
	for i, p := range parties {
		p = strings.TrimSpace(p)
		switch {
		case unitedStates.MatchString(p), p == "US":
			p = "United States"
		case strings.ToLower(p) == "the state":
			p = "State"
		}
		parties[i] = p
	}
	text = strings.Join(parties, " v. ")
	text = etAl.ReplaceAllString(text, "")
	if strings.HasPrefix(text, "No.") || strings.HasPrefix(text, "Nos.") {
		text = leadingNo.ReplaceAllString(text, "")
	}
	return cleanString(text)
}

// cleanString removes stray entities, smart quotes and the punctuation court clerks leave
// at either end of a party's name, and collapses white space.
func cleanString(s string) string {
	s = stringsClean.Replace(s)
	frags := strings.Split(s, " v. ")
	for i, f := range frags {
		f = badEnds.ReplaceAllString(f, "")
		frags[i] = badStarts.ReplaceAllString(f, "")
	}
	s = strings.Join(frags, " v. ")
	s = strings.Join(strings.Fields(s), " ")
	return strings.ReplaceAll(s, "\u00a0", " ")
}

// HarmonizeCaseName spells a case name the way CourtListener stores it (its case_name):
// "USA v. Doe et al" → "United States v. Doe", party roles and stray punctuation gone.
func HarmonizeCaseName(name string) string {
	return cleanString(harmonize(name))
}
