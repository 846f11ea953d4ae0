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
	deps, err := recap.OpenDeps(ctx, js, blobs, cl, cfg.Log)
	if err != nil {
		return nil, err
	}
	deps.Metrics = reg
	return recap.New(cfg.RECAP, deps)
}
