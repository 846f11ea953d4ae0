package indexer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/docketwatch/docketwatch/pkg/filing"
)

// Index is the bleve index behind an alias: searches go through the alias, so that a
// rebuilt index can be swapped in without a pause (issue 8), and writes go to the
// active index.
type Index struct {
	root   string
	active bleve.Index
	alias  bleve.IndexAlias
}

// currentFile names the active index version under the root.
const currentFile = "CURRENT"

// Open opens the active index under root, creating it on first use. bleve locks the
// directory: one process owns an index (STACK.md); a second Open fails after a second
// instead of blocking forever.
func Open(root string) (*Index, error) {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("creating index root: %w", err)
	}
	version := "v1"
	if b, err := os.ReadFile(filepath.Join(root, currentFile)); err == nil {
		version = strings.TrimSpace(string(b))
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("reading %s: %w", currentFile, err)
	}
	path := filepath.Join(root, version)
	var idx bleve.Index
	var err error
	if _, serr := os.Stat(path); errors.Is(serr, os.ErrNotExist) {
		idx, err = bleve.New(path, Mapping())
		if err == nil {
			err = os.WriteFile(filepath.Join(root, currentFile), []byte(version+"\n"), 0o644)
		}
	} else {
		idx, err = bleve.OpenUsing(path, map[string]any{"bolt_timeout": "1s"})
	}
	if err != nil {
		// bleve returns a non-nil interface around a nil pointer on error: never use idx.
		return nil, fmt.Errorf("opening index %s: %w", path, err)
	}
	return &Index{root: root, active: idx, alias: bleve.NewIndexAlias(idx)}, nil
}

// Close closes the index; it is safe to call more than once.
func (x *Index) Close() error {
	if x.active == nil {
		return nil
	}
	err := x.active.Close()
	x.active = nil
	return err
}

// DocCount is the number of documents in the active index.
func (x *Index) DocCount() (uint64, error) { return x.active.DocCount() }

// entry is one document to write, with the version it replaces ("" if new).
type entry struct {
	text     filing.Text
	previous string
}

// versions returns the stored version of each id that the index holds.
func (x *Index) versions(ctx context.Context, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	req := bleve.NewSearchRequestOptions(bleve.NewDocIDQuery(ids), len(ids), 0, false)
	req.Fields = []string{fieldVersion}
	res, err := x.alias.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("looking up versions: %w", err)
	}
	for _, h := range res.Hits {
		if v, ok := h.Fields[fieldVersion].(string); ok {
			out[h.ID] = v
		}
	}
	return out, nil
}

// versionKey orders versions as strings: bleve's numbers are float64, which cannot hold
// nanosecond timestamps exactly.
func versionKey(v int64) string { return fmt.Sprintf("%020d", v) }

// write commits the entries in one batch; when it returns nil they are visible to search.
func (x *Index) write(entries []entry, now time.Time) error {
	b := x.active.NewBatch()
	for _, e := range entries {
		if err := b.Index(string(e.text.Document.ID), indexDocument(e.text, now)); err != nil {
			return fmt.Errorf("adding %s to batch: %w", e.text.Document.ID, err)
		}
	}
	if err := x.active.Batch(b); err != nil {
		return fmt.Errorf("committing batch of %d: %w", len(entries), err)
	}
	return nil
}

// indexDocument is the bleve document of a Text. The pages are joined into one text
// field; page_starts keeps each page's byte offset so a match location names its page.
func indexDocument(t filing.Text, now time.Time) map[string]any {
	d := t.Document
	var text strings.Builder
	starts := make([]string, 0, len(t.Pages))
	for i, p := range t.Pages {
		if i > 0 {
			text.WriteString("\n\n")
		}
		starts = append(starts, strconv.Itoa(text.Len()))
		text.WriteString(p.Text)
	}
	doc := map[string]any{
		fieldText:        text.String(),
		fieldPageStarts:  strings.Join(starts, ","),
		fieldPages:       len(t.Pages),
		fieldCaseName:    d.Docket.CaseName,
		fieldDescription: strings.TrimSpace(d.Entry.Description + "\n" + d.Description),
		fieldCourt:       d.Docket.Court,
		fieldDocket:      d.Docket.Number,
		fieldExhibit:     d.Exhibit,
		fieldSource:      d.Source,
		fieldVersion:     versionKey(t.Version),
		fieldIndexed:     now.UTC(),
	}
	if d.Entry.Number > 0 {
		doc[fieldEntry] = d.Entry.Number
	}
	if d.ExhibitLabel != "" {
		doc[fieldExhibitLabel] = d.ExhibitLabel
	}
	if !d.Entry.Filed.IsZero() {
		doc[fieldFiled] = d.Entry.Filed.UTC()
	}
	return doc
}

// pageAt returns the 1-based page holding byte offset off, given the page starts.
func pageAt(starts []int, off int) int {
	page := 0
	for i, s := range starts {
		if s > off {
			break
		}
		page = i + 1
	}
	return page
}

func parseStarts(s string) []int {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	out := make([]int, 0, len(parts))
	for _, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			return nil
		}
		out = append(out, n)
	}
	return out
}
