// Package node runs docketwatch embedded: one process with its own NATS server, every
// stage, the index and the HTTP API, over one data directory. It is the composition root
// of the default mode; each stage only sees its own connection and dependencies.
package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/docketwatch/docketwatch/pkg/blob"
	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/search"
	"github.com/docketwatch/docketwatch/services/api"
	"github.com/docketwatch/docketwatch/services/docketwatch/datadir"
	"github.com/docketwatch/docketwatch/services/extractor"
	"github.com/docketwatch/docketwatch/services/extractor/entity"
	"github.com/docketwatch/docketwatch/services/indexer"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Config is what an embedded node needs.
type Config struct {
	DataDir string
	// HTTPAddr serves the API when set ("127.0.0.1:8080").
	HTTPAddr  string
	Extractor extractor.Config
	Indexer   indexer.Config
	Log       *slog.Logger
}

// Node is a running embedded docketwatch.
type Node struct {
	cfg    Config
	lock   *datadir.Lock
	nats   *bus.Embedded
	conns  []*nats.Conn
	index  *indexer.Index
	http   *http.Server
	cancel context.CancelFunc
	stages sync.WaitGroup
	// HTTPURL is the API's address once it listens.
	HTTPURL string

	// JS is a JetStream handle for the node's owner (the CLI's ingest).
	JS jetstream.JetStream
	// Blobs is the blob store.
	Blobs blob.Store
	// Searcher answers queries over NATS, as every other client does.
	Searcher search.Searcher

	closeOnce sync.Once
}

// Start takes the data directory and starts everything. The caller must Close the node.
func Start(ctx context.Context, cfg Config) (n *Node, err error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	n = &Node{cfg: cfg}
	started := n
	defer func() {
		if err != nil {
			started.Close() // n itself is nil by now: the return statement set it
		}
	}()
	if n.lock, err = datadir.Acquire(cfg.DataDir); err != nil {
		return nil, err
	}
	n.nats, err = bus.StartEmbedded(bus.EmbeddedOptions{StoreDir: filepath.Join(cfg.DataDir, "nats"), Listen: true})
	if err != nil {
		return nil, err
	}
	connect := func(name string) (jetstream.JetStream, *nats.Conn, error) {
		nc, err := n.nats.Connect("docketwatch-" + name)
		if err != nil {
			return nil, nil, err
		}
		n.conns = append(n.conns, nc)
		js, err := jetstream.New(nc)
		return js, nc, err
	}
	if n.JS, _, err = connect("owner"); err != nil {
		return nil, err
	}
	if err = bus.Setup(ctx, n.JS, bus.Options{}); err != nil {
		return nil, err
	}
	if n.Blobs, err = blob.NewNATS(ctx, n.JS, bus.ObjectPDFs); err != nil {
		return nil, err
	}
	if n.index, err = indexer.Open(filepath.Join(cfg.DataDir, "index")); err != nil {
		return nil, err
	}

	// Each stage gets its own connection (STACK.md: a shared one can stall).
	exJS, _, err := connect("extractor")
	if err != nil {
		return nil, err
	}
	exBlobs, err := blob.NewNATS(ctx, exJS, bus.ObjectPDFs)
	if err != nil {
		return nil, err
	}
	ixJS, _, err := connect("indexer")
	if err != nil {
		return nil, err
	}
	_, searchNC, err := connect("search")
	if err != nil {
		return nil, err
	}
	if _, err = search.Serve(searchNC, bus.SearchSubject, n.index, runtime.NumCPU()*2, cfg.Log); err != nil {
		return nil, fmt.Errorf("serving search: %w", err)
	}
	_, clientNC, err := connect("client")
	if err != nil {
		return nil, err
	}
	n.Searcher = search.NewRemote(clientNC, bus.SearchSubject)

	stageCtx, cancel := context.WithCancel(context.Background())
	n.cancel = cancel
	run := func(name string, f func(context.Context) error) {
		n.stages.Add(1)
		go func() {
			defer n.stages.Done()
			if err := f(stageCtx); err != nil && stageCtx.Err() == nil {
				cfg.Log.Error("stage stopped", "stage", name, "err", err)
			}
		}()
	}
	if cfg.Extractor.Entities == nil {
		if cfg.Extractor.Entities, err = entity.New(entity.Options{}); err != nil {
			return nil, fmt.Errorf("loading the entity recogniser: %w", err)
		}
	}
	run("extractor", extractor.New(cfg.Extractor, exJS, exBlobs, cfg.Log).Run)
	run("indexer", indexer.New(cfg.Indexer, ixJS, n.index, cfg.Log).Run)

	owner := datadir.Owner{PID: os.Getpid(), NATS: n.nats.ClientURL(), Token: n.nats.Token}
	if cfg.HTTPAddr != "" {
		ln, err := net.Listen("tcp", cfg.HTTPAddr)
		if err != nil {
			return nil, fmt.Errorf("listening on %s: %w", cfg.HTTPAddr, err)
		}
		n.HTTPURL = "http://" + ln.Addr().String()
		owner.HTTP = n.HTTPURL
		n.http = &http.Server{
			Handler:           api.Handler(api.Deps{Searcher: n.Searcher, Log: cfg.Log, Ready: n.ready}),
			ReadHeaderTimeout: 10 * time.Second,
		}
		go func() {
			if err := n.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				cfg.Log.Error("http server stopped", "err", err)
			}
		}()
	}
	if err := n.lock.Publish(owner); err != nil {
		return nil, err
	}
	return n, nil
}

func (n *Node) ready(ctx context.Context) error {
	_, err := n.Searcher.Search(ctx, search.Query{Limit: 1})
	return err
}

// Close stops accepting work, lets the stages finish what they hold (extractions under
// way complete, the last index batch commits), then stops the server and releases the
// data directory. It is safe to call more than once.
func (n *Node) Close() {
	n.closeOnce.Do(func() {
		if n.lock != nil {
			n.lock.Withdraw()
		}
		if n.http != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			n.http.Shutdown(ctx)
			cancel()
		}
		if n.cancel != nil {
			n.cancel()
		}
		n.stages.Wait()
		for i := len(n.conns) - 1; i >= 0; i-- {
			n.conns[i].Close()
		}
		if n.index != nil {
			n.index.Close()
		}
		if n.nats != nil {
			n.nats.Shutdown()
		}
		if n.lock != nil {
			n.lock.Release()
		}
	})
}
