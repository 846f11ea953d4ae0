package percolate

import (
	"time"

	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/services/indexer/schema"
)

// Fields of an indexed document the percolator reads back.
const (
	fieldText        = "text"
	fieldTextExact   = "text_exact"
	fieldDescription = "description"
	fieldPageStarts  = "page_starts"
)

// document is a Text as the index holds it (schema.IndexDocument, so that a rule
// matches here exactly when a search would find the document), with its joined text and
// where each page starts in it.
type document struct {
	fields      map[string]any
	text        string
	description string
	starts      schema.PageStarts
}

func newDocument(t filing.Text, now time.Time) document {
	fields := schema.IndexDocument(t, now)
	d := document{fields: fields}
	d.text, _ = fields[fieldText].(string)
	d.description, _ = fields[fieldDescription].(string)
	ps, _ := fields[fieldPageStarts].(string)
	d.starts = schema.ParsePageStarts(ps)
	return d
}
