package fetcher

import (
	"log/slog"

	"github.com/docketwatch/docketwatch/services/fetcher/courtlistener"
)

// NewClient builds a CourtListener client from the configuration, reading the token
// file if needed: for stages beside the fetcher that speak to CourtListener with the same
// account (services/fetcher/recap).
func (c CourtListenerConfig) NewClient(log *slog.Logger) (*courtlistener.Client, error) {
	tok, err := c.token()
	if err != nil {
		return nil, err
	}
	return courtlistener.New(courtlistener.Config{
		BaseURL: c.BaseURL, StorageURL: c.StorageURL, Token: tok, Budget: c.Budget,
		HTTPClient: c.HTTPClient, Backoff: c.Backoff, MaxBackoff: c.MaxBackoff, Logger: log,
	})
}
