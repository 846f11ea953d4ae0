package pdftext

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/ledongthuc/pdf"
)

// Limits on the page tree. Real filings stay far below them; hostile files hit them
// instead of looping or allocating without bound.
const (
	maxTreeDepth = 64
	maxTreeNodes = 1 << 20
	maxPageCount = 100_000
)

// errPageTree marks a page tree that cannot be walked; it is always permanent.
var errPageTree = errors.New("bad page tree")

// objID is the (object number, generation) of an indirect object, read from the
// library's Value so that a visited set can recognise a node seen before. ok is false
// for values that were not reached through an indirect reference.
type objID struct {
	id  uint64
	gen uint64
}

// idOf reads the object reference a resolved value was loaded from. ledongthuc/pdf
// keeps it in an unexported field and exposes no identity, and without one a cyclic
// /Kids or /Parent cannot be told from a deep tree; reflection reads the field without
// modifying it.
func idOf(v pdf.Value) (objID, bool) {
	rv := reflect.ValueOf(v)
	f := rv.FieldByName("ptr")
	if !f.IsValid() || f.Kind() != reflect.Struct || f.NumField() < 2 {
		return objID{}, false
	}
	id, gen := f.Field(0), f.Field(1)
	if !isUint(id) || !isUint(gen) {
		return objID{}, false
	}
	if id.Uint() == 0 {
		return objID{}, false
	}
	return objID{id.Uint(), gen.Uint()}, true
}

func isUint(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return false
}

// pageNode is one leaf of the page tree with the resources and boxes it inherits.
type pageNode struct {
	v         pdf.Value
	resources pdf.Value
	rotate    int
}

// walkPages visits the page tree once, depth first, and returns its leaves in order.
// It never trusts /Count (a hostile /Count of 2e9 would otherwise drive a loop) and
// never follows /Parent; inheritable attributes are carried down instead. limit caps the
// number of pages returned (0 means maxPageCount).
func walkPages(root pdf.Value, limit int) ([]pageNode, error) {
	if limit <= 0 || limit > maxPageCount {
		limit = maxPageCount
	}
	if root.Kind() != pdf.Dict {
		return nil, fmt.Errorf("%w: catalog has no /Pages dictionary", errPageTree)
	}
	w := walker{seen: make(map[objID]bool), limit: limit}
	if err := w.visit(root, pdf.Value{}, 0, 0); err != nil && !errors.Is(err, errEnough) {
		return nil, err
	}
	return w.pages, nil
}

var errEnough = errors.New("page limit reached")

type walker struct {
	seen  map[objID]bool
	nodes int
	limit int
	pages []pageNode
}

func (w *walker) visit(node, resources pdf.Value, rotate, depth int) error {
	if depth > maxTreeDepth {
		return fmt.Errorf("%w: deeper than %d levels", errPageTree, maxTreeDepth)
	}
	w.nodes++
	if w.nodes > maxTreeNodes {
		return fmt.Errorf("%w: more than %d nodes", errPageTree, maxTreeNodes)
	}
	if id, ok := idOf(node); ok {
		if w.seen[id] {
			return fmt.Errorf("%w: object %d %d reached twice (cycle or shared node)", errPageTree, id.id, id.gen)
		}
		w.seen[id] = true
	}
	if r := node.Key("Resources"); r.Kind() == pdf.Dict {
		resources = r
	}
	if r := node.Key("Rotate"); r.Kind() == pdf.Integer {
		rotate = int(r.Int64())
	}
	kids := node.Key("Kids")
	typ := node.Key("Type").Name()
	// Some producers omit /Type on leaves; a node without /Kids is a page.
	if typ == "Page" || (typ != "Pages" && kids.Kind() != pdf.Array) {
		if len(w.pages) >= w.limit {
			return errEnough
		}
		w.pages = append(w.pages, pageNode{v: node, resources: resources, rotate: rotate})
		return nil
	}
	if kids.Kind() != pdf.Array {
		return fmt.Errorf("%w: /Pages node without /Kids array", errPageTree)
	}
	n := kids.Len()
	for i := 0; i < n; i++ {
		kid := kids.Index(i)
		if kid.Kind() != pdf.Dict {
			continue // a dangling or null kid is skipped, as viewers do
		}
		if err := w.visit(kid, resources, rotate, depth+1); err != nil {
			return err
		}
	}
	return nil
}
