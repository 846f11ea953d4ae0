package clock

import (
	"context"
	"testing"
	"time"
)

func TestSleep(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name string
		ctx  context.Context
		d    time.Duration
		want error
	}{
		{"waits", context.Background(), time.Millisecond, nil},
		{"nothing to wait", context.Background(), 0, nil},
		{"negative", context.Background(), -time.Second, nil},
		{"cancelled before", cancelled, time.Hour, context.Canceled},
		{"cancelled, nothing to wait", cancelled, 0, context.Canceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			err := Sleep(tc.ctx, tc.d)
			if err != tc.want { // ctx.Err() itself, unwrapped
				t.Fatalf("Sleep = %v; want %v", err, tc.want)
			}
			took := time.Since(start)
			if tc.want == nil && took < tc.d {
				t.Errorf("Sleep(%v) returned after %v", tc.d, took)
			}
			if took > time.Minute {
				t.Errorf("Sleep(%v) took %v: it should end with its context", tc.d, took)
			}
		})
	}
}

func TestSleepEndsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- Sleep(ctx, time.Hour) }()
	cancel()
	if err := <-done; err != context.Canceled {
		t.Fatalf("Sleep = %v; want context.Canceled", err)
	}
}
