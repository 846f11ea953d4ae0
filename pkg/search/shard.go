package search

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"

	"github.com/docketwatch/docketwatch/pkg/filing"
)

// Shard says which part of the collection an index holds: the documents whose DocID
// hashes to Index modulo Count. The zero value, like {0, 1}, holds everything.
type Shard struct {
	Index int `json:"index"`
	Count int `json:"count"`
}

// Validate reports a shard that cannot exist.
func (s Shard) Validate() error {
	if s.Count < 0 || s.Index < 0 || (s.Count > 0 && s.Index >= s.Count) {
		return fmt.Errorf("shard %d of %d does not exist", s.Index, s.Count)
	}
	return nil
}

// Owns reports whether the document belongs to this shard. The hash is stable across
// processes and releases: changing it would move documents between shards.
func (s Shard) Owns(id filing.DocID) bool {
	if s.Count <= 1 {
		return true
	}
	h := fnv.New32a()
	h.Write([]byte(id))
	return int(h.Sum32()%uint32(s.Count)) == s.Index
}

func (s Shard) count() int { return max(s.Count, 1) }

// Sharded reports whether the collection is split: a shard of more than one.
func (s Shard) Sharded() bool { return s.Count > 1 }

// String writes the shard as ParseShard reads it: "1/2" is the second of two; the
// whole collection is "0/1".
func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.count()) }

// Set reads the flag form, "i/n": a Shard is a flag.Value.
func (s *Shard) Set(v string) error {
	parsed, err := ParseShard(v)
	if err == nil {
		*s = parsed
	}
	return err
}

// ParseShard reads "i/n" (0 ≤ i < n), the form of the --shard flag; "" is the whole
// collection.
func ParseShard(v string) (Shard, error) {
	if v == "" {
		return Shard{}, nil
	}
	i, n, ok := strings.Cut(v, "/")
	index, err1 := strconv.Atoi(strings.TrimSpace(i))
	count, err2 := strconv.Atoi(strings.TrimSpace(n))
	if !ok || err1 != nil || err2 != nil || count < 1 {
		return Shard{}, fmt.Errorf("shard %q is not i/n, like 0/2 for the first of two", v)
	}
	s := Shard{Index: index, Count: count}
	return s, s.Validate()
}

// Cursor is a position in one sort order: the sort values of the hit it follows, as
// bytes (sort keys need not be valid UTF-8). Its encoding is opaque to clients.
type Cursor struct {
	Sort   string   `json:"o"`
	Values [][]byte `json:"v"`
}

// Encode returns the cursor's opaque form.
func (c Cursor) Encode() string {
	data, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(data)
}

// DecodeCursor reads an opaque cursor; it checks the shape, not the values.
func DecodeCursor(s string) (Cursor, error) {
	var c Cursor
	data, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(data, &c)
	}
	if err != nil {
		return c, &QueryError{Message: "after is not a cursor this index issued", Position: -1}
	}
	return c, nil
}

// sortKey is how one value of a sort order compares.
type sortKey int

const (
	scoreDesc sortKey = iota // a float, highest first
	bytesDesc
	bytesAsc
)

// sortKeys describes each sort order's values, matching the index's order (the indexer
// builds its bleve sort from the same names; its tests check the two agree). Every order
// ends with the document id, so that equal keys still have one order.
var sortKeys = map[string][]sortKey{
	SortRelevance: {scoreDesc, bytesAsc},
	SortNewest:    {bytesDesc, bytesAsc},
	SortOldest:    {bytesDesc, bytesAsc, bytesAsc},
}

// CompareCursors orders two positions of the same sort order: negative when a comes
// first. Positions of different orders, or malformed ones, compare by their bytes.
func CompareCursors(a, b Cursor) int {
	sort := a.Sort
	if sort == "" {
		sort = SortRelevance
	}
	keys := sortKeys[sort]
	if a.Sort != b.Sort || len(a.Values) != len(keys) || len(b.Values) != len(keys) {
		return bytes.Compare(bytes.Join(a.Values, nil), bytes.Join(b.Values, nil))
	}
	for i, k := range keys {
		var c int
		switch k {
		case scoreDesc:
			x, _ := strconv.ParseFloat(string(a.Values[i]), 64)
			y, _ := strconv.ParseFloat(string(b.Values[i]), 64)
			switch {
			case x > y:
				c = -1
			case x < y:
				c = 1
			}
		case bytesDesc:
			c = -bytes.Compare(a.Values[i], b.Values[i])
		case bytesAsc:
			c = bytes.Compare(a.Values[i], b.Values[i])
		}
		if c != 0 {
			return c
		}
	}
	return 0
}
