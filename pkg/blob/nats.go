package blob

import (
	"context"
	"errors"
	"fmt"
	"github.com/docketwatch/docketwatch/pkg/bus"
	"io"

	"github.com/nats-io/nats.go/jetstream"
)

// NATS keeps blobs in a JetStream object store, the embedded default: nothing else to run.
type NATS struct {
	obj jetstream.ObjectStore
}

var _ Store = (*NATS)(nil)

// NewNATS wraps the object store bucket (bus.ObjectPDFs).
func NewNATS(ctx context.Context, js jetstream.JetStream, bucket string) (*NATS, error) {
	obj, err := js.ObjectStore(ctx, bucket)
	if err != nil {
		return nil, fmt.Errorf("opening object store %s: %w", bucket, err)
	}
	return &NATS{obj: obj}, nil
}

func (s *NATS) Put(ctx context.Context, sum string, r io.Reader) error {
	if err := CheckSum(sum); err != nil {
		return err
	}
	if ok, err := s.Has(ctx, sum); err != nil || ok {
		return err
	}
	// The object store names the object before it is complete; a put that fails midway
	// is removed by the store itself, so a partial blob is never visible under sum.
	if _, err := s.obj.Put(ctx, jetstream.ObjectMeta{Name: sum}, newVerifyingReader(r, sum)); err != nil {
		return bus.Unavailable(fmt.Errorf("storing blob %s: %w", sum, err))
	}
	return nil
}

func (s *NATS) Get(ctx context.Context, sum string) (io.ReadCloser, error) {
	if err := CheckSum(sum); err != nil {
		return nil, err
	}
	r, err := s.obj.Get(ctx, sum)
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return nil, fmt.Errorf("blob %s: %w", sum, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("opening blob %s: %w", sum, err)
	}
	return r, nil
}

func (s *NATS) Has(ctx context.Context, sum string) (bool, error) {
	if err := CheckSum(sum); err != nil {
		return false, err
	}
	_, err := s.obj.GetInfo(ctx, sum)
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("looking up blob %s: %w", sum, err)
	}
	return true, nil
}
