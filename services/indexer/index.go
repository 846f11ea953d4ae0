package indexer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	zapx "github.com/blevesearch/zapx/v17"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/search"
	"github.com/docketwatch/docketwatch/services/indexer/schema"
)

// Index is the bleve index behind an alias: searches go through the alias, so that a
// rebuilt index can be swapped in without a pause (issue 8), and writes go to the
// active index.
type Index struct {
	root string
	// mu guards active and version. The alias has its own lock, which also waits out
	// the searches under way when a rebuilt index is swapped in.
	mu      sync.RWMutex
	active  bleve.Index
	version string
	alias   bleve.IndexAlias
	// live is held by the live writer (the Service) for each commit, and by a re-index
	// for its last catch-up and the swap: the short pause that makes the rebuilt index
	// hold everything the old one holds at the moment it replaces it.
	live sync.Mutex
	// processed is the highest TEXTS sequence the live writer has committed; a re-index
	// replays up to it (reindex.go).
	processed atomic.Uint64
	// building is set while a re-index of this index runs: one at a time.
	building atomic.Bool
	// shard is the part of the collection this index holds (all of it by default).
	shard search.Shard
	// created says the index was created by this Open, empty: its live writer reads
	// TEXTS from the start (Service.Run).
	created atomic.Bool
}

// currentFile names the active index version under the root.
const currentFile = "CURRENT"

// liveConfig is how an index is opened for live use. bleve locks the directory: one
// process owns an index (scorch holds root.bolt under an exclusive lock, and a second
// bleve.Open, even read-only, blocks forever without a bolt timeout); a second open fails after a second instead of
// blocking forever. A batch returns once it is searchable, not once it is on disk
// (scorch's default waits for the disk, fsync included, which took from 0.8 s to 20 s
// per batch of 500 on a loaded machine): every writer that needs durability waits for
// the batch's persisted callback instead (writeDurable, the re-index's builder), and the
// next batch is analysed meanwhile.
// Its segments are zapx v17's, named rather than left to bleve's default: the buffer
// sizing below is that version's.
func liveConfig() map[string]any {
	return map[string]any{"bolt_timeout": "1s", "unsafe_batch": true,
		"forceSegmentType": zapx.Type, "forceSegmentVersion": int(zapx.Version),
		"scorchMergePlanOptions": mergePlan(10)}
}

// mergePlan is scorch's tiered merge policy, perTier segments to a tier, without its
// floor. bleve counts a segment under 2,000 documents as 2,000 (FloorSegmentSize), so
// an index under 2,000 documents had a budget of one segment: each one-document commit
// of the live writer merged the whole index again, and merges took a third of a node's
// CPU ingesting the corpus (issue 21). From a floor of one document the tiers start at
// the smallest segment. The price: more segments in a large index fed one document at
// a time, up to about 50 at 100,000 documents rather than 14. (bleve's CalcBudget hook
// could keep a floor yet never budget under one tier, as Lucene does, but a function
// does not pass through the index config's JSON.)
func mergePlan(perTier int) map[string]any {
	return map[string]any{"FloorSegmentSize": 1, "MaxSegmentsPerTier": perTier, "SegmentsPerMergeTask": perTier}
}

// zapxBufferBump is zapx's own sizing of a new segment's buffer: for the batch's
// documents and this many more, at the last segment's bytes per document
// (zapx.NewSegmentBufferNumResultsBump). The live writer commits a batch of one
// document whenever its queue is empty, so each commit allocated and zeroed 101
// documents' worth (BenchmarkLiveCommits). The batch's own documents are estimate
// enough; the buffer grows when they are not. The setting is process-wide: every index
// of a process that writes one (the alerter's percolator too) sizes its buffers so.
var zapxBufferBump = zapx.NewSegmentBufferNumResultsBump

func init() { zapx.NewSegmentBufferNumResultsBump = 0 }

// Open opens the active index under root, creating it on first use. It holds the whole
// collection.
func Open(root string) (*Index, error) { return OpenShard(root, search.Shard{}) }

// OpenShard opens the index of one shard under root, creating it on first use. The
// shard is recorded beside the index, and an index is never opened as another shard
// than the one it was built for: its documents would be the wrong ones, silently.
func OpenShard(root string, shard search.Shard) (*Index, error) {
	if err := shard.Validate(); err != nil {
		return nil, err
	}
	if err := claimShard(root, shard); err != nil {
		return nil, err
	}
	x, err := openWith(root, liveConfig())
	if err != nil {
		return nil, err
	}
	x.shard = shard
	return x, nil
}

// Shard is the part of the collection the index holds.
func (x *Index) Shard() search.Shard { return x.shard }

// shardFile records, under the root of a sharded index, which shard it holds ("1/2").
const shardFile = "SHARD"

// claimShard checks that the index under root holds shard, recording it on first use.
// An index built before sharding holds everything: it can only be opened whole.
func claimShard(root string, shard search.Shard) error {
	b, err := os.ReadFile(filepath.Join(root, shardFile))
	switch {
	case err == nil:
		held, perr := search.ParseShard(strings.TrimSpace(string(b)))
		if perr != nil {
			return fmt.Errorf("reading %s: %w", filepath.Join(root, shardFile), perr)
		}
		if held.String() != shard.String() {
			return fmt.Errorf("the index in %s holds shard %s, not %s: use another data directory for this shard, or this shard's own", root, held, shard)
		}
		return nil
	case !errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("reading %s: %w", shardFile, err)
	case !shard.Sharded():
		return nil
	}
	if v, err := readCurrent(root); err != nil {
		return err
	} else if v != "" {
		return fmt.Errorf("the index in %s holds the whole collection, not shard %s: give the shard a new data directory (it fills from TEXTS)", root, shard)
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return fmt.Errorf("creating index root: %w", err)
	}
	if err := os.WriteFile(filepath.Join(root, shardFile), []byte(shard.String()+"\n"), 0o644); err != nil {
		return fmt.Errorf("recording the shard: %w", err)
	}
	return nil
}

// openWith opens the active index under root with the given runtime configuration.
func openWith(root string, config map[string]any) (*Index, error) {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("creating index root: %w", err)
	}
	version, err := readCurrent(root)
	if err != nil {
		return nil, err
	}
	fresh := version == ""
	if fresh {
		version = "v1"
	}
	path := filepath.Join(root, version)
	idx, err := openVersion(path, config)
	if err != nil {
		return nil, err
	}
	if fresh {
		if err := writeCurrent(root, version); err != nil {
			idx.Close()
			return nil, err
		}
	}
	x := &Index{root: root, active: idx, version: version, alias: bleve.NewIndexAlias(idx)}
	x.created.Store(fresh)
	return x, nil
}

// openVersion opens the index at path with the given runtime configuration, creating it
// first if it does not exist. The configuration is applied at open, never stored in the
// index's metadata: a re-index builds with settings that must not outlive the build.
func openVersion(path string, config map[string]any) (bleve.Index, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		idx, err := bleve.NewUsing(path, schema.Mapping(), scorch.Name, scorch.Name, nil)
		if err != nil {
			return nil, fmt.Errorf("creating index %s: %w", path, err)
		}
		if err := idx.Close(); err != nil {
			return nil, fmt.Errorf("creating index %s: %w", path, err)
		}
	}
	idx, err := bleve.OpenUsing(path, config)
	if err != nil {
		// bleve returns a non-nil interface around a nil pointer on error: never use idx.
		return nil, fmt.Errorf("opening index %s: %w", path, err)
	}
	return idx, nil
}

// readCurrent returns the version CURRENT names, or "" before the first Open.
func readCurrent(root string) (string, error) {
	b, err := os.ReadFile(filepath.Join(root, currentFile))
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", currentFile, err)
	}
	v := strings.TrimSpace(string(b))
	if !validVersion(v) {
		return "", fmt.Errorf("%s names %q, not an index version like v1", currentFile, v)
	}
	return v, nil
}

// writeCurrent makes version the one Open opens, atomically: a crash leaves either the
// old name or the new one, never a torn file.
func writeCurrent(root, version string) error {
	tmp := filepath.Join(root, currentFile+".tmp")
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("writing %s: %w", currentFile, err)
	}
	_, err = f.WriteString(version + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(root, currentFile))
	}
	if err == nil {
		err = syncDir(root)
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", currentFile, err)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// validVersion reports whether v names an index version directory: "v" and a number.
func validVersion(v string) bool {
	n, err := strconv.Atoi(strings.TrimPrefix(v, "v"))
	return strings.HasPrefix(v, "v") && err == nil && n > 0
}

// Version names the active index version ("v1").
func (x *Index) Version() string {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.version
}

// current returns the active index.
func (x *Index) current() bleve.Index {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.active
}

// Close closes the index; it is safe to call more than once.
func (x *Index) Close() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.active == nil {
		return nil
	}
	err := x.active.Close()
	x.active = nil
	return err
}

// DocCount is the number of documents in the active index.
func (x *Index) DocCount() (uint64, error) {
	idx := x.current()
	if idx == nil {
		return 0, bleve.ErrorIndexClosed
	}
	return idx.DocCount()
}

// entry is one document to write, with the version it replaces ("" if new).
type entry struct {
	text     filing.Text
	previous string
}

// versions returns the stored version of each id that the index holds.
func (x *Index) versions(ctx context.Context, ids []string) (map[string]string, error) {
	return versionsIn(ctx, x.alias, ids)
}

// versionsIn returns the stored version of each id that idx holds.
func versionsIn(ctx context.Context, idx interface {
	SearchInContext(context.Context, *bleve.SearchRequest) (*bleve.SearchResult, error)
}, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	req := bleve.NewSearchRequestOptions(bleve.NewDocIDQuery(ids), len(ids), 0, false)
	req.Fields = []string{schema.FieldVersion}
	res, err := idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("looking up versions: %w", err)
	}
	for _, h := range res.Hits {
		if v, ok := h.Fields[schema.FieldVersion].(string); ok {
			out[h.ID] = v
		}
	}
	return out, nil
}

// write commits the entries in one batch; when it returns nil they are visible to search.
func (x *Index) write(entries []entry, now time.Time) error {
	_, err := x.writeDurable(entries, now)
	return err
}

// writeDurable commits the entries in one batch like write, and returns a channel that
// receives once the batch is on disk: scorch makes a batch visible before it persists it,
// so a message is acknowledged only after that, or a crash could lose an acknowledged
// document.
func (x *Index) writeDurable(entries []entry, now time.Time) (<-chan error, error) {
	persisted := make(chan error, 1)
	idx := x.current()
	if idx == nil {
		return nil, bleve.ErrorIndexClosed
	}
	b := idx.NewBatch()
	b.SetPersistedCallback(func(err error) {
		select {
		case persisted <- err:
		default: // called once; never block the persister
		}
	})
	for _, e := range entries {
		if err := b.Index(string(e.text.Document.ID), schema.IndexDocument(e.text, now)); err != nil {
			return nil, fmt.Errorf("adding %s to batch: %w", e.text.Document.ID, err)
		}
	}
	if err := idx.Batch(b); err != nil {
		return nil, fmt.Errorf("committing batch of %d: %w", len(entries), err)
	}
	return persisted, nil
}

// Document returns the indexed document id, with its page texts when withText.
func (x *Index) Document(ctx context.Context, id filing.DocID, withText bool) (*search.Record, error) {
	req := bleve.NewSearchRequestOptions(bleve.NewDocIDQuery([]string{string(id)}), 1, 0, false)
	req.Fields = recordFields(withText)
	res, err := x.alias.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("fetching document %s: %w", id, err)
	}
	if len(res.Hits) == 0 {
		return nil, search.ErrNotFound
	}
	return decodeRecord(res.Hits[0].ID, res.Hits[0].Fields, withText)
}

// recordFields are the stored fields decodeRecord reads.
func recordFields(withText bool) []string {
	f := []string{schema.FieldDocumentJSON, schema.FieldEntitiesJSON, schema.FieldDocType, schema.FieldVersion, schema.FieldIndexed, schema.FieldPages, schema.FieldPageStarts}
	if withText {
		f = append(f, schema.FieldText, schema.FieldPagesJSON)
	}
	return f
}

// decodeRecord rebuilds a document's record from the stored fields of its hit.
func decodeRecord(id string, fields map[string]any, withText bool) (*search.Record, error) {
	str := func(f string) string { s, _ := fields[f].(string); return s }
	rec := &search.Record{DocType: str(schema.FieldDocType)}
	if err := json.Unmarshal([]byte(str(schema.FieldDocumentJSON)), &rec.Document); err != nil {
		return nil, fmt.Errorf("decoding stored document %s: %w", id, err)
	}
	if s := str(schema.FieldEntitiesJSON); s != "" {
		if err := json.Unmarshal([]byte(s), &rec.Entities); err != nil {
			return nil, fmt.Errorf("decoding stored entities of %s: %w", id, err)
		}
	}
	if n, err := strconv.ParseInt(str(schema.FieldVersion), 10, 64); err == nil {
		rec.Version = n
	}
	rec.IndexedAt, _ = time.Parse(time.RFC3339Nano, str(schema.FieldIndexed))
	pages, _ := fields[schema.FieldPages].(float64)
	rec.PageCount = int(pages)
	if withText {
		rec.Pages = splitPages(str(schema.FieldText), schema.ParsePageStarts(str(schema.FieldPageStarts)))
		schema.ApplyPageMetas(rec.Pages, str(schema.FieldPagesJSON))
	}
	return rec, nil
}

// splitPages cuts the joined text back into its pages.
func splitPages(text string, starts schema.PageStarts) []filing.Page {
	pages := make([]filing.Page, 0, len(starts))
	for i, s := range starts {
		end := len(text)
		if i+1 < len(starts) {
			end = starts[i+1].Offset - len(schema.PageSeparator)
		}
		if s.Offset > end || end > len(text) {
			break // a corrupt page_starts: return the pages that make sense
		}
		pages = append(pages, filing.Page{Number: s.Number, Text: text[s.Offset:end]})
	}
	return pages
}

// markProcessed records that the live writer committed every TEXTS message up to seq that
// it was delivered. Delivery is in stream order, so the messages below seq were committed
// too, except those it is retrying (a re-index copes with those, see verify).
func (x *Index) markProcessed(seq uint64) {
	for {
		cur := x.processed.Load()
		if seq <= cur || x.processed.CompareAndSwap(cur, seq) {
			return
		}
	}
}
