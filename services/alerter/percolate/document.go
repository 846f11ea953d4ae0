package percolate

import (
	"strconv"
	"strings"
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
	starts      []pageStart
}

type pageStart struct{ offset, number int }

func newDocument(t filing.Text, now time.Time) document {
	fields := schema.IndexDocument(t, now)
	d := document{fields: fields}
	d.text, _ = fields[fieldText].(string)
	d.description, _ = fields[fieldDescription].(string)
	ps, _ := fields[fieldPageStarts].(string)
	for i, s := range strings.Split(ps, ",") {
		if s == "" {
			continue
		}
		off, num, hasNum := strings.Cut(s, "@")
		o, err := strconv.Atoi(off)
		if err != nil {
			continue
		}
		n := i + 1
		if hasNum {
			if v, err := strconv.Atoi(num); err == nil {
				n = v
			}
		}
		d.starts = append(d.starts, pageStart{o, n})
	}
	return d
}

// pageAt returns the number of the page holding byte offset off, 0 if none.
func (d document) pageAt(off int) int {
	page := 0
	for _, s := range d.starts {
		if s.offset > off {
			break
		}
		page = s.number
	}
	return page
}
