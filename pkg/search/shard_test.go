package search

import (
	"fmt"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/filing"
)

func TestParseShard(t *testing.T) {
	for in, want := range map[string]Shard{"": {}, "0/1": {0, 1}, "1/2": {1, 2}, " 2 / 3": {2, 3}} {
		got, err := ParseShard(in)
		if err != nil || got != want {
			t.Errorf("ParseShard(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"2/2", "-1/2", "1", "1/0", "a/b", "1/2/3"} {
		if s, err := ParseShard(in); err == nil {
			t.Errorf("ParseShard(%q) = %v, want an error", in, s)
		}
	}
	if s := (Shard{1, 2}); s.String() != "1/2" || !s.Sharded() || (Shard{}).Sharded() {
		t.Errorf("String/Sharded disagree with ParseShard")
	}
}

// TestShardOwnsEveryDocumentOnce checks the partition: every id belongs to exactly one
// shard of n, the shards are near even, and the hash does not change between releases
// (a changed hash would move documents to shards that never indexed them).
func TestShardOwnsEveryDocumentOnce(t *testing.T) {
	const docs, n = 3000, 3
	counts := make([]int, n)
	for i := range docs {
		id := filing.DocID(fmt.Sprintf("cand/3:20-cv-%05d/%d/0", i/7, i%7))
		owners := 0
		for s := range n {
			if (Shard{s, n}).Owns(id) {
				owners++
				counts[s]++
			}
		}
		if owners != 1 {
			t.Fatalf("%s is owned by %d of %d shards", id, owners, n)
		}
	}
	for s, c := range counts {
		if c < docs/n*8/10 || c > docs/n*12/10 {
			t.Errorf("shard %d holds %d of %d documents: uneven %v", s, c, docs, counts)
		}
	}
	// FNV-1a of the id, modulo the count: pinned so that a change is deliberate.
	for _, c := range []struct {
		id   filing.DocID
		want Shard
	}{{"cand/3:20-cv-00001/1/0", Shard{0, 2}}, {"nysd/1:21-cv-00100/7/2", Shard{1, 2}}, {"nysd/1:21-cv-00100/7/2", Shard{2, 3}}} {
		if !c.want.Owns(c.id) {
			t.Errorf("%s no longer belongs to shard %s: the hash changed", c.id, c.want)
		}
	}
}
