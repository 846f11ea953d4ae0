package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/nats-io/nats.go/jetstream"
)

// awaitReextracted waits until the documents a re-extraction put back on FILINGS are
// re-indexed or parked: the extractor's consumer has settled FILINGS up to its last
// message, then every indexer's consumer TEXTS up to its last. A message that fails
// for good is parked, which settles it too. A job's end only says that the documents
// were re-published; without this the verb would report done while the extractor works.
func awaitReextracted(ctx context.Context, js jetstream.JetStream, w io.Writer) error {
	fmt.Fprintln(w, "waiting until the re-published documents are extracted and indexed (or parked)")
	for _, stream := range []string{bus.Filings, bus.Texts} {
		if err := awaitStreamSettled(ctx, js, stream); err != nil {
			return err
		}
	}
	return nil
}

// awaitStreamSettled waits until every durable consumer of stream has settled (acked or
// terminated) the stream up to its last message now.
func awaitStreamSettled(ctx context.Context, js jetstream.JetStream, stream string) error {
	str, err := js.Stream(ctx, stream)
	if err != nil {
		return fmt.Errorf("waiting for %s: %w", stream, err)
	}
	last := str.CachedInfo().State.LastSeq
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		settled, err := consumersSettled(ctx, str, last)
		if err != nil {
			return fmt.Errorf("waiting for %s: %w", stream, err)
		}
		if settled {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", stream, ctx.Err())
		case <-tick.C:
		}
	}
}

// consumersSettled reports whether every durable consumer of str has settled up to last.
func consumersSettled(ctx context.Context, str jetstream.Stream, last uint64) (bool, error) {
	lister := str.ListConsumers(ctx)
	for ci := range lister.Info() {
		if ci.Config.Durable == "" {
			continue // a reader's ordered consumer, not a stage
		}
		caughtUp := ci.AckFloor.Stream >= last || (ci.NumPending == 0 && ci.NumAckPending == 0)
		if !caughtUp {
			return false, nil
		}
	}
	return true, lister.Err()
}
