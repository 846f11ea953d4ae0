package node

import (
	"context"

	"github.com/docketwatch/docketwatch/pkg/blob"
	"github.com/docketwatch/docketwatch/services/fetcher/recap"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
)

// startRECAP builds the RECAP stage of the fetcher role: it needs the CourtListener
// account, so without a token it is not run (and buying, which needs it, is refused).
func startRECAP(ctx context.Context, cfg Config, js jetstream.JetStream, blobs blob.Store, reg prometheus.Registerer) (*recap.Service, error) {
	cl, err := cfg.Fetcher.CourtListener.NewClient(ctx, js, cfg.Log)
	if err != nil {
		if cfg.RECAP.Rules.Enabled {
			return nil, err
		}
		return nil, nil
	}
	return recap.New(ctx, cfg.RECAP, recap.Deps{JS: js, Blobs: blobs, CL: cl, Metrics: reg, Log: cfg.Log})
}
