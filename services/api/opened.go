package api

import "sync"

// Opened is a store opened on first use and kept: the API starts before JetStream
// answers, so an open that fails is tried again on the next call (sync.OnceValues would
// keep the failure).
type Opened[T any] struct {
	mu sync.Mutex
	v  *T
}

// Get returns the store, opening it with open the first time.
func (o *Opened[T]) Get(open func() (*T, error)) (*T, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.v == nil {
		v, err := open()
		if err != nil {
			return nil, err
		}
		o.v = v
	}
	return o.v, nil
}
