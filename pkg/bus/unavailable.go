package bus

import (
	"context"
	"errors"
	"strings"
	"syscall"
	"time"

	"github.com/docketwatch/docketwatch/pkg/fault"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Unavailable marks err, the error of a JetStream call or of a write to local storage,
// as fault.Unavailable when it says nothing was stored: a full disk, no acknowledgement
// in time, no stream answering, or a server error (out of storage, not enabled). Only
// call it on such calls' errors: a timeout elsewhere (a webhook's) is the work's. Such a failure is the pipeline's, not the work's: the work
// is held and tried again (Consumer holds its message; ingest waits), never parked for it.
func Unavailable(err error) error {
	if err == nil || fault.KindOf(err) != fault.Transient {
		return err
	}
	var api *jetstream.APIError
	switch {
	case errors.Is(err, syscall.ENOSPC), strings.Contains(err.Error(), "no space left on device"),
		errors.Is(err, context.DeadlineExceeded), errors.Is(err, nats.ErrTimeout),
		errors.Is(err, jetstream.ErrNoStreamResponse), errors.Is(err, nats.ErrNoResponders),
		errors.Is(err, jetstream.ErrAsyncPublishTimeout),
		errors.Is(err, jetstream.ErrJetStreamNotEnabled),
		errors.As(err, &api) && api.Code >= 500:
		return fault.UnavailableErr(err)
	}
	return err
}

// PullExpiry is how long a consumer's pull request lives. The client notices a lost pull
// (JetStream restarted after a full disk, a server gone) after two missed heartbeats, half
// this each: 10 s rather than nats.go's 30 s default, at the cost of a request every 10 s
// per idle consumer.
const PullExpiry = 10 * time.Second
