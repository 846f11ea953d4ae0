package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/nats-io/nats.go/jetstream"
)

// Sessions records the web sessions signed out before their expiry, so that a copied
// cookie dies with its sign-out in every process that holds the token. Each is an entry
// of bus.BucketSessions, which forgets it when the session would have expired; every
// process follows the bucket with a watch and checks sessions against memory.
type Sessions struct {
	kv jetstream.KeyValue

	mu      sync.RWMutex
	revoked map[string]bool
}

// OpenSessions opens the bucket and follows it until ctx ends.
func OpenSessions(ctx context.Context, js jetstream.JetStream, log *slog.Logger) (*Sessions, error) {
	kv, err := bus.KV(ctx, js, bus.BucketSessions)
	if err != nil {
		return nil, err
	}
	w, err := kv.WatchAll(ctx)
	if err != nil {
		return nil, fmt.Errorf("watching the signed-out sessions: %w", err)
	}
	s := &Sessions{kv: kv, revoked: map[string]bool{}}
	// The watch first replays the bucket, then a nil marks the end of the replay: a
	// process that starts knows every sign-out before it answers a request.
	for e := range w.Updates() {
		if e == nil {
			break
		}
		s.apply(e)
	}
	go func() {
		defer w.Stop()
		for e := range w.Updates() {
			if e != nil {
				s.apply(e)
			}
		}
		if ctx.Err() == nil {
			log.Warn("the watch of signed-out sessions ended")
		}
	}()
	return s, nil
}

func (s *Sessions) apply(e jetstream.KeyValueEntry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e.Operation() == jetstream.KeyValuePut {
		s.revoked[e.Key()] = true
	} else {
		delete(s.revoked, e.Key()) // expired with its session
	}
}

// Revoked reports whether the session of nonce (hex) was signed out. A nil Sessions
// revokes nothing.
func (s *Sessions) Revoked(nonce string) bool {
	if s == nil {
		return false
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.revoked[nonce]
}

// Revoke signs out the session of nonce (hex) everywhere.
func (s *Sessions) Revoke(ctx context.Context, nonce string, expires time.Time) error {
	if s == nil {
		return errors.New("sessions cannot be signed out here: no JetStream")
	}
	if _, err := s.kv.Put(ctx, nonce, []byte(expires.UTC().Format(time.RFC3339))); err != nil {
		return fmt.Errorf("signing out a session: %w", err)
	}
	s.mu.Lock()
	s.revoked[nonce] = true
	s.mu.Unlock()
	return nil
}
