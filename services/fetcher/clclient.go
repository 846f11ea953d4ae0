package fetcher

import (
	"context"
	"log/slog"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/services/fetcher/courtlistener"
	"github.com/nats-io/nats.go/jetstream"
)

// NewClient builds a CourtListener client from the configuration, reading the token
// file if needed, for stages beside the fetcher that speak to CourtListener with the
// same account (services/fetcher/recap). Its requests count in the account's one budget,
// kept in the KV store with the fetcher's own (kvBudgetLog): CourtListener limits the
// account, not a process.
func (c CourtListenerConfig) NewClient(ctx context.Context, js jetstream.JetStream, log *slog.Logger) (*courtlistener.Client, error) {
	tok, err := c.token()
	if err != nil {
		return nil, err
	}
	kv, err := bus.KV(ctx, js, bus.BucketCursors)
	if err != nil {
		return nil, err
	}
	return courtlistener.New(c.clientConfig(tok, kv, log))
}

// clientConfig is the client's configuration for the account of tok, its request log
// in kv.
func (c CourtListenerConfig) clientConfig(tok string, kv jetstream.KeyValue, log *slog.Logger) courtlistener.Config {
	return courtlistener.Config{
		BaseURL: c.BaseURL, StorageURL: c.StorageURL, Token: tok, Budget: c.Budget,
		BudgetLog:  kvBudgetLog{kv: kv, key: budgetKey(tok)},
		HTTPClient: c.HTTPClient, Backoff: c.Backoff, MaxBackoff: c.MaxBackoff, Logger: log,
	}
}
