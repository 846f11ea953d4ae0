package blob_test

import (
	"context"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/blob"
	"github.com/docketwatch/docketwatch/pkg/blob/blobtest"
	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
)

func TestDisk(t *testing.T) {
	s, err := blob.NewDisk(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	blobtest.Run(t, s)
}

func TestNATS(t *testing.T) {
	_, js := bustest.JetStream(t, bustest.Server(t))
	s, err := blob.NewNATS(context.Background(), js, bus.ObjectPDFs)
	if err != nil {
		t.Fatal(err)
	}
	blobtest.Run(t, s)
}
