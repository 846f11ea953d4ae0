package runtest

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
)

// Buffer is a bytes.Buffer that a process's output, or a logger's goroutines, write while
// the test reads it.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String is what has been written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Go runs run (a stage's or a deliverer's Run) in a goroutine, under a context that
// ends with the test; stop cancels it, waits for it and returns its error. If the test
// has not called stop by its end, the cleanup does, and fails the test if run returned
// an error other than the cancellation.
func Go(t testing.TB, run func(context.Context) error) (stop func() error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx) }()
	var once sync.Once
	var err error
	stopNow := func() (first bool) {
		once.Do(func() {
			cancel()
			err, first = <-done, true
		})
		return first
	}
	t.Cleanup(func() {
		if stopNow() && err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("run stopped with %v", err)
		}
	})
	return func() error {
		stopNow()
		return err
	}
}
