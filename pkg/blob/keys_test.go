package blob_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/blob"
	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
)

// badKeys are names a caller could pass from outside (a document record, a URL): each
// would leave the store's directory or its namespace if used as a path or object name.
var badKeys = []string{
	"../../../../etc/passwd",
	"..",
	"/etc/passwd",
	"ab/../../../../tmp/x",
	strings.Repeat("a", 62) + "/.",
	strings.Repeat("a", 63) + "\x00",
	strings.Repeat("a", 64) + "\n",
	strings.Repeat("A", 64), // upper case: another name for the same digest
	strings.Repeat("a", 65),
	"",
	`..\..\windows`,
	"%2e%2e%2fetc%2fpasswd",
}

// TestKeysValidated: every operation of every store refuses a key that is not a
// lowercase hex SHA-256, before it touches the disk or the bucket.
func TestKeysValidated(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	dir := filepath.Join(root, "blobs")
	disk, err := blob.NewDisk(dir)
	if err != nil {
		t.Fatal(err)
	}
	js := bustest.Start(t)
	nats, err := blob.NewNATS(ctx, js, bus.ObjectPDFs)
	if err != nil {
		t.Fatal(err)
	}
	// A file beside the store that a traversal would read.
	secret := filepath.Join(root, "secret")
	if err := os.WriteFile(secret, []byte("top secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]blob.Store{"disk": disk, "nats": nats} {
		for _, k := range append(badKeys, "../secret", "../"+strings.Repeat("a", 61)) {
			if err := s.Put(ctx, k, strings.NewReader("x")); err == nil {
				t.Errorf("%s: Put(%q) accepted", name, k)
			}
			if rc, err := s.Get(ctx, k); err == nil {
				rc.Close()
				t.Errorf("%s: Get(%q) accepted", name, k)
			}
			if _, err := s.Has(ctx, k); err == nil {
				t.Errorf("%s: Has(%q) accepted", name, k)
			}
		}
	}
	// Nothing was written outside the store's directory.
	entries, _ := os.ReadDir(root)
	if len(entries) != 2 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Fatalf("the store's parent holds %v; want only blobs and secret", names)
	}
}
