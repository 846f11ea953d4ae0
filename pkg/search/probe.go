package search

import (
	"context"
	"fmt"
	"time"
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

// readyWait bounds a readiness probe's search: shards missing by then make the answer
// partial, not the service unready.
const readyWait = 2 * time.Second

// Answering says whether the index answers: ready when any shard does within 2 s. A
// shard that is down leaves searches partial (and says so in them); taking every API
// process out of service for it would answer nothing at all. Probes must allow 2 s.
func (r *Remote) Answering(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyWait)
	defer cancel()
	_, err := r.Search(ctx, Query{Limit: 1})
	return err
}
