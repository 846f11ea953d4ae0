package bus

import (
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Scan reads the messages of stream that cfg selects (its FilterSubject and
// DeliverPolicy; HeadersOnly to skip the bodies), oldest first, and hands each to each
// until each returns false or nothing is left. It reads through an ephemeral consumer
// without acknowledgements, deleted at the end, batch messages a request.
func Scan(ctx context.Context, js jetstream.JetStream, stream string, cfg jetstream.ConsumerConfig, batch int, each func(jetstream.Msg, *jetstream.MsgMetadata) bool) error {
	cfg.AckPolicy, cfg.MemoryStorage = jetstream.AckNonePolicy, true
	// Deleted below; the threshold only cleans up after a crash of this process.
	cfg.InactiveThreshold = time.Minute
	cons, err := js.CreateConsumer(ctx, stream, cfg)
	if err != nil {
		return err
	}
	name := cons.CachedInfo().Name
	defer func() {
		dctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = js.DeleteConsumer(dctx, stream, name)
	}()
	pending := cons.CachedInfo().NumPending
	for pending > 0 {
		// Ask for no more than is pending: a fetch waits until it has its count or its
		// wait runs out.
		msgs, err := cons.Fetch(int(min(uint64(batch), pending)), jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			return err
		}
		n := 0
		for m := range msgs.Messages() {
			n++
			md, err := m.Metadata()
			if err != nil {
				continue
			}
			pending = md.NumPending
			if !each(m, md) {
				return nil
			}
		}
		if err := msgs.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) {
			return err
		}
		if n == 0 {
			break // the stream shrank while we read it
		}
	}
	return nil
}
