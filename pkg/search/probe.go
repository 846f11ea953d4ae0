package search

import (
	"context"
	"fmt"
)

// Shards asks every shard to answer a query and says how many there are. It fails when
// one does not answer: work that must reach every shard, such as a re-index, cannot
// start on part of them.
func (r *Remote) Shards(ctx context.Context) (int, error) {
	res, err := r.Search(ctx, Query{Limit: 1})
	if err != nil {
		return 0, err
	}
	if res.Partial {
		return 0, fmt.Errorf("shards %v did not answer", res.MissingShards)
	}
	return max(int(r.shards.Load()), 1), nil
}
