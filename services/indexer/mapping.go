// Package indexer owns the bleve index: it consumes TEXTS in batches, commits each
// document (newer versions only), publishes INDEXED once a batch is visible to search,
// and answers queries for everyone else over NATS.
//
// For the alerter, which runs saved queries against one new document in a throwaway
// in-memory index, the package exports what makes such an index answer exactly like this
// one: Mapping (the same fields and analysers), IndexDocument (the same bleve document
// from a filing.Text) and BuildQuery (the same bleve query from a search.Query):
//
//	idx, _ := bleve.NewUsing("", indexer.Mapping(), scorch.Name, scorch.Name, nil)
//	idx.Index(string(text.Document.ID), indexer.IndexDocument(text, now))
//	q, err := indexer.BuildQuery(rule.Query) // a *search.QueryError when malformed
//	res, _ := idx.Search(bleve.NewSearchRequest(q))
//
// Request builds the whole bleve request Search runs (sort, cursor, facets, fields), and
// ParseQueryString the query-string part alone.
//
// ReindexJob rebuilds the index from TEXTS into a new version directory while the old
// one serves and the live writer goes on, then swaps it in (reindex.go).
package indexer

import (
	"fmt"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/search"
)

// Field names of an indexed document. A text field has an "_exact" twin indexed from the
// same property without stemming or stop words: quoted phrases run against the twin, so
// that "motions to dismiss" does not match "motion dismissed".
const (
	fieldText             = "text"
	fieldTextExact        = "text_exact"
	fieldCaseName         = "case_name"
	fieldCaseNameExact    = "case_name_exact"
	fieldCaseNameKeyword  = "case"
	fieldDescription      = "description"
	fieldDescriptionExact = "description_exact"
	fieldCourt            = "court"
	fieldDocket           = "docket"
	fieldDocType          = "doc_type"
	fieldEntry            = "entry"
	fieldExhibit          = "exhibit"
	fieldExhibitLabel     = "exhibit_label"
	fieldSource           = "source"
	fieldFiled            = "filed"
	fieldFiledSort        = "filed_sort"
	fieldYear             = "year"
	fieldDated            = "dated"
	undatedSortKey        = "0000"
	fieldIndexed          = "indexed"
	fieldPages            = "pages"
	fieldPageStarts       = "page_starts"
	fieldVersion          = "version"
	fieldEntity           = "entity"
	fieldEntityTypePrefix = "entity_"
	fieldDocumentJSON     = "doc_json"
	fieldEntitiesJSON     = "entities_json"
	exactSuffix           = "_exact"
	analyzerExact         = "docketwatch_exact"
	filedSortLayout       = "2006-01-02T15:04:05.000000000Z"
)

// entityField is the keyword field holding the canonical names of entities of type t.
func entityField(t filing.EntityType) string { return fieldEntityTypePrefix + string(t) }

// Mapping is the index mapping. Keyword fields hold what is matched exactly and counted
// in facets (the text analyser would tokenise a docket number on ":" and "-"); the text is stored with term vectors so that a hit can name its page and
// show a snippet. Query-time analysis uses the same analysers, because bleve's match
// queries analyse with the field's mapping.
func Mapping() mapping.IndexMapping {
	text := func(store bool) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = en.AnalyzerName
		f.Store = store
		f.IncludeTermVectors = true
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}
	exact := func(name string) *mapping.FieldMapping {
		f := text(false)
		f.Name = name
		f.Analyzer = analyzerExact
		return f
	}
	kw := func(name string) *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Analyzer = keyword.Name
		f.IncludeInAll = false
		f.Store = true
		f.Name = name
		return f
	}
	stored := func() *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Index = false
		f.Store = true
		f.IncludeInAll = false
		f.IncludeTermVectors = false
		f.DocValues = false
		return f
	}
	number := func() *mapping.FieldMapping {
		f := bleve.NewNumericFieldMapping()
		f.IncludeInAll = false
		return f
	}
	doc := bleve.NewDocumentStaticMapping()
	doc.AddFieldMappingsAt(fieldText, text(true), exact(fieldTextExact))
	doc.AddFieldMappingsAt(fieldCaseName, text(true), exact(fieldCaseNameExact), kw(fieldCaseNameKeyword))
	doc.AddFieldMappingsAt(fieldDescription, text(true), exact(fieldDescriptionExact))
	for _, name := range []string{fieldCourt, fieldDocket, fieldDocType, fieldExhibitLabel, fieldSource,
		fieldVersion, fieldYear, fieldFiledSort, fieldDated, fieldEntity} {
		doc.AddFieldMappingsAt(name, kw(""))
	}
	for _, t := range search.EntityTypes {
		doc.AddFieldMappingsAt(entityField(t), kw(""))
	}
	doc.AddFieldMappingsAt(fieldEntry, number())
	doc.AddFieldMappingsAt(fieldPages, number())
	b := bleve.NewBooleanFieldMapping()
	b.IncludeInAll = false
	b.Store = true
	doc.AddFieldMappingsAt(fieldExhibit, b)
	for _, name := range []string{fieldFiled, fieldIndexed} {
		d := bleve.NewDateTimeFieldMapping()
		d.IncludeInAll = false
		d.Store = true
		doc.AddFieldMappingsAt(name, d)
	}
	for _, name := range []string{fieldPageStarts, fieldDocumentJSON, fieldEntitiesJSON} {
		doc.AddFieldMappingsAt(name, stored())
	}

	m := bleve.NewIndexMapping()
	err := m.AddCustomAnalyzer(analyzerExact, map[string]any{
		"type":          custom.Name,
		"tokenizer":     unicode.Name,
		"token_filters": []string{lowercase.Name},
	})
	if err != nil {
		panic(fmt.Sprintf("indexer: registering the exact analyser: %v", err)) // a programming error
	}
	m.DefaultMapping = doc
	m.DefaultAnalyzer = en.AnalyzerName
	m.DefaultField = fieldText
	m.StoreDynamic = false
	m.IndexDynamic = false
	m.DocValuesDynamic = false
	return m
}

// docTypes are the kinds of court paper, each with the words that name it at the start
// of a docket entry's description. The earliest word found wins, so "ORDER granting
// MOTION to dismiss" is an order and "MOTION for an order" a motion.
var docTypes = []struct {
	name  string
	words []string
}{
	{"order", []string{"order", "orders"}},
	{"motion", []string{"motion", "application", "petition"}},
	{"complaint", []string{"complaint"}},
	{"answer", []string{"answer"}},
	{"brief", []string{"brief", "memorandum"}},
	{"response", []string{"response", "opposition", "reply", "objection", "objections"}},
	{"declaration", []string{"declaration", "affidavit"}},
	{"notice", []string{"notice"}},
	{"stipulation", []string{"stipulation", "stipulated"}},
	{"transcript", []string{"transcript"}},
	{"judgment", []string{"judgment", "verdict"}},
	{"opinion", []string{"opinion"}},
	{"summons", []string{"summons", "subpoena"}},
	{"letter", []string{"letter"}},
	{"minutes", []string{"minute", "minutes"}},
	{"exhibit", []string{"exhibit", "exhibits"}},
}

// DocumentType classifies a document by the words of its description: "exhibit" for an
// exhibit, else the kind of paper the description names first ("order", "motion",
// "brief", …), else "other". Only the first 200 bytes are read: a description names its
// paper at the start.
func DocumentType(d filing.Document) string {
	if d.Exhibit {
		return "exhibit"
	}
	desc := d.Description
	if desc == "" || d.Attachment == 0 {
		desc = d.Entry.Description + " " + d.Description
	}
	if len(desc) > 200 {
		desc = desc[:200]
	}
	words := strings.FieldsFunc(strings.ToLower(desc), func(r rune) bool {
		return !(r >= 'a' && r <= 'z')
	})
	for _, w := range words {
		for _, t := range docTypes {
			for _, tw := range t.words {
				if w == tw {
					return t.name
				}
			}
		}
	}
	return "other"
}
