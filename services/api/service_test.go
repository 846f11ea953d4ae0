package api

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/config"
)

// parseConfig is the role's Config from args and the environment, as a verb reads it.
func parseConfig(t testing.TB, args ...string) (*Config, error) {
	t.Helper()
	var c Config
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	c.RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if err := config.Resolve(fs); err != nil {
		return nil, err
	}
	return &c, c.Validate()
}

func TestConfigFlags(t *testing.T) {
	t.Setenv("DOCKETWATCH_API_TOKEN", "from-env")
	t.Setenv("DOCKETWATCH_SEARCH_PUBLIC", "false")
	t.Setenv("DOCKETWATCH_RATE", "5")
	t.Setenv("DOCKETWATCH_TRUSTED_PROXIES", "10.0.0.0/8")
	c, err := parseConfig(t, "--burst", "7", "--webhook-sources", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	p := c.Policy
	if p.Token != "from-env" || p.PublicReads || p.Rate != 5 || p.Burst != 7 || len(p.TrustedProxies) != 1 || len(p.WebhookSources) != 1 {
		t.Fatalf("got %+v", p)
	}
	if _, err := parseConfig(t, "--api-token", "x"); err == nil || !strings.Contains(err.Error(), "secret") {
		t.Fatalf("the token as a flag: got %v; want it refused, a process listing would show it", err)
	}

	// A token file wins over the environment; private search without a token is refused.
	file := filepath.Join(t.TempDir(), "token")
	os.WriteFile(file, []byte("from-file\n"), 0o600)
	if c, err := parseConfig(t, "--api-token-file", file); err != nil || c.Policy.Token != "from-file" {
		t.Fatalf("token file: %v", err)
	}
	t.Setenv("DOCKETWATCH_API_TOKEN", "")
	if _, err := parseConfig(t); err == nil {
		t.Fatal("private search with no token: want an error")
	}
	if _, err := parseConfig(t, "--search-public", "--trusted-proxies", "10.0.0.0/33"); err == nil || !strings.Contains(err.Error(), "trusted-proxies") {
		t.Fatalf("a bad CIDR: got %v; want the flag named", err)
	}
}
