package ner

import (
	_ "embed"
	"maps"
	"slices"
	"strings"
	"sync"
)

// The gazetteers are word classes the tagger weighs as features; a word in one is
// evidence, never a decision. The classes here are first names (data/SOURCES.md), the
// legal forms of companies, the head nouns of institutions, US states and countries,
// and the vocabulary of procedure; gazetteer.go adds general lists of the world's
// places, organisations and people from openly licensed sources. None lists a name
// taken from the corpora, the tests or the issues.

//go:embed data/firstnames.txt
var firstNamesTxt string

// Gazetteer classes, as bits.
const (
	gazFirstName = 1 << iota
	gazCorpSuffix
	gazOrgHead
	gazPlace
	gazRole
	gazTitle
	gazMonth
	gazFunction
	gazPlaceSuffix
	gazLoc // gazetteer.txt's classes
	gazOrg
	gazPer
	gazName
	gazCompany
	gazPrefix // the first words of a longer entry
	numGaz    = iota
	gazPhrase = gazLoc | gazOrg | gazPer
	// nameLists are the classes that list names rather than kinds of words.
	nameLists = gazFirstName | gazLoc | gazOrg | gazPer | gazName | gazCompany | gazPrefix
)

// CorpSuffixes are the lower-cased legal forms of companies ("inc.", "llc").
var CorpSuffixes = setOf("inc", "inc.", "incorporated", "llc", "l.l.c.", "corp", "corp.", "corporation", "co", "co.",
	"company", "lp", "l.p.", "llp", "l.l.p.", "pllc", "p.a.", "p.c.", "ltd", "ltd.", "limited", "plc", "gmbh", "ag", "sa",
	"s.a.", "n.a.", "nv", "n.v.", "bv", "b.v.", "lllp", "ab", "gp", "s.p.a.", "spa", "s.a.s.", "pty", "oy")

var orgHeads = setOf("church", "association", "society", "foundation", "league", "council", "federation", "union",
	"network", "department", "bureau", "office", "agency", "administration", "commission", "institute", "university",
	"college", "school", "hospital", "center", "centre", "bank", "group", "fund", "trust", "partners", "associates",
	"holdings", "services", "technologies", "research", "capital", "authority", "police", "committee", "ministry",
	"museum", "laboratories", "labs", "industries", "enterprises", "systems", "alliance", "coalition", "party",
	"organization", "organisation", "airlines", "insurance", "management", "communications", "media",
	"pharmaceuticals", "motors", "energy", "electronics", "club", "team", "band", "records", "press", "board",
	"army", "navy", "force", "corps", "bancorp", "financial", "securities", "investments", "ventures", "studios",
	"entertainment", "solutions", "software", "networks", "global", "international", "academy")

var places = setOf("alabama", "alaska", "arizona", "arkansas", "california", "colorado", "connecticut", "delaware",
	"florida", "georgia", "hawaii", "idaho", "illinois", "indiana", "iowa", "kansas", "kentucky", "louisiana", "maine",
	"maryland", "massachusetts", "michigan", "minnesota", "mississippi", "missouri", "montana", "nebraska", "nevada",
	"hampshire", "jersey", "mexico", "york", "carolina", "dakota", "ohio", "oklahoma", "oregon", "pennsylvania",
	"rhode", "tennessee", "texas", "utah", "vermont", "virginia", "washington", "wisconsin", "wyoming", "columbia",
	"puerto", "guam", "america", "canada", "china", "japan", "india", "germany", "france", "italy", "spain", "russia",
	"brazil", "australia", "ireland", "israel", "korea", "england", "scotland", "wales", "britain", "kingdom",
	"switzerland", "netherlands", "sweden", "norway", "denmark", "belgium", "austria", "poland", "ukraine", "taiwan",
	"singapore", "vietnam", "philippines", "indonesia", "argentina", "chile", "colombia", "peru", "egypt", "nigeria",
	"africa", "kenya", "iran", "iraq", "turkey", "greece", "portugal", "europe", "asia", "usa", "u.s.", "u.s.a.", "uk")

var placeSuffixes = setOf("county", "city", "parish", "township", "borough", "valley", "river", "basin", "island",
	"islands", "mountains", "bay", "lake", "street", "avenue", "road", "drive", "boulevard", "state", "province",
	"district", "region", "village", "town", "heights", "beach", "falls", "springs", "harbor", "port")

// roles is the vocabulary of procedure and of contracts: words that capitalisation makes
// look like names.
var roles = setOf(append(slices.Collect(maps.Keys(partyRoles)), "court", "clerk", "counsel", "judge", "justice", "order", "motion", "exhibit", "case", "document",
	"page", "filed", "docket", "complaint", "answer", "memorandum", "opinion", "notice", "brief", "declaration",
	"section", "rule", "rules", "agreement", "borrower", "borrowers", "lender", "lenders", "guarantor", "trustee",
	"party", "parties", "amicus", "schedule", "article", "exhibits", "note", "loan", "security",
	"collateral", "obligations", "default", "event", "government", "state", "united", "states", "federal",
	"employer", "employee", "et", "al", "al.", "bar", "id", "id.")...)

// partyRoles are the words a caption names a party's side by ("DEFENDANT"): never part
// of a company's name, unlike other roles ("UNITED STATES STEEL", "SECURITY BANK").
var partyRoles = setOf("plaintiff", "plaintiffs", "defendant", "defendants", "appellant", "appellants", "appellee",
	"appellees", "petitioner", "petitioners", "respondent", "respondents", "debtor", "debtors", "creditor",
	"creditors", "intervenor", "claimant", "movant")

var titles = setOf("mr", "mr.", "mrs", "mrs.", "ms", "ms.", "dr", "dr.", "judge", "justice", "hon", "hon.",
	"honorable", "governor", "senator", "representative", "magistrate", "professor", "prof.", "officer", "sheriff",
	"detective", "sergeant", "agent", "commissioner", "president", "ceo", "chairman", "director", "king", "queen",
	"prince", "sir", "lord", "general", "captain", "mayor", "minister", "pope", "saint", "st.", "rev.", "reverend")

var months = setOf("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
	"november", "december", "jan.", "feb.", "mar.", "apr.", "jun.", "jul.", "aug.", "sep.", "sept.", "oct.", "nov.",
	"dec.", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

var functionWords = setOf("the", "a", "an", "this", "that", "these", "those", "in", "on", "at", "for", "of", "by",
	"to", "from", "with", "and", "or", "but", "if", "as", "see", "it", "he", "she", "they", "we", "i", "you", "his",
	"her", "their", "our", "its", "my", "your", "there", "here", "when", "where", "while", "whether", "because",
	"however", "thus", "each", "every", "all", "any", "no", "not", "some", "such", "what", "which", "who", "is", "are",
	"was", "were", "be", "has", "have", "had", "do", "does", "did", "can", "may", "must", "will", "would", "shall",
	"should", "could", "under", "upon", "after", "before", "between", "against", "into", "over", "during", "since")

// IsFirstName says whether a lower-cased word is in the first-names lexicon.
func IsFirstName(lower string) bool { return gazetteer(lower)&gazFirstName != 0 }

// IsRole says whether a lower-cased word is a role or a word of procedure ("plaintiff",
// "borrower", "employer"), which alone is no name.
func IsRole(lower string) bool { return roles[lower] }

// IsPartyRole says whether a lower-cased word names a party's side in a case
// ("defendant", "appellees").
func IsPartyRole(lower string) bool { return partyRoles[lower] }

// IsOrgHead says whether a lower-cased word is the head noun of institutions
// ("church", "bureau", "office").
func IsOrgHead(lower string) bool { return orgHeads[lower] }

// IsGeneric says whether a lower-cased word is a role, a word of procedure, the head
// noun of institutions or a function word: a run of such words ("OFFICE OF THE CLERK")
// names no one in particular.
func IsGeneric(lower string) bool { return roles[lower] || orgHeads[lower] || functionWords[lower] }

// IsGazetteerPlace says whether words (as Tokenize splits them, in any case) name a
// place of the gazetteer ("United States", whose words are each words of procedure).
func IsGazetteerPlace(words []string) bool {
	h := uint32(fnvOffset)
	for _, w := range words {
		h = hashStr(h, strings.ToLower(w))
	}
	return len(words) > 0 && gazetteers().get(h)&gazLoc != 0
}

// gazetteer returns the classes of a lower-cased word.
func gazetteer(lower string) uint32 { return gazetteers().get(hashStr(fnvOffset, lower)) }

// gazetteers is the table of every word class, by the hash of a word's lower case that
// the features take anyway, so that a word costs one look-up: an entry of several words
// is keyed by the chained hash of its words, and each of its proper prefixes is marked
// gazPrefix, so that matching stops at the first word that starts no entry. It is the
// embedded gazetteer.bin, read in place: the process pays only for the pages it reads.
var gazetteers = sync.OnceValue(func() gazTable {
	g, err := loadCompiled(gazetteerBin)
	if err != nil {
		panic(err) // the embedded file, checked by TestCompiledGazetteer
	}
	return g
})

// addLexicon adds the word classes of this file and the first names.
func (t *hashTable) addLexicon() {
	t.addEntries(firstNamesTxt, gazFirstName)
	for _, c := range []struct {
		bit uint32
		set map[string]bool
	}{{gazCorpSuffix, CorpSuffixes}, {gazOrgHead, orgHeads}, {gazPlace, places},
		{gazRole, roles}, {gazTitle, titles}, {gazMonth, months}, {gazFunction, functionWords}, {gazPlaceSuffix, placeSuffixes}} {
		for _, w := range slices.Sorted(maps.Keys(c.set)) { // in order: the same table each time
			t.or(hashStr(fnvOffset, w), c.bit)
		}
	}
}
