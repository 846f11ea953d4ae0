package main

import (
	"context"
	"fmt"
	"io"

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
		if err := bus.AwaitSettled(ctx, js, stream); err != nil {
			return err
		}
	}
	return nil
}
