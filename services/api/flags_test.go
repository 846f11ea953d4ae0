package api

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

func TestPolicyFlags(t *testing.T) {
	t.Setenv("DOCKETWATCH_API_TOKEN", "from-env")
	t.Setenv("DOCKETWATCH_SEARCH_PUBLIC", "false")
	t.Setenv("DOCKETWATCH_API_RATE", "5")
	t.Setenv("DOCKETWATCH_TRUSTED_PROXIES", "10.0.0.0/8")
	var p Policy
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	f := p.RegisterFlags(fs)
	if err := fs.Parse([]string{"--burst", "7", "--webhook-sources", "127.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	if err := f.Load(); err != nil {
		t.Fatal(err)
	}
	if p.Token != "from-env" || p.PublicReads || p.Rate != 5 || p.Burst != 7 || len(p.TrustedProxies) != 1 || len(p.WebhookSources) != 1 {
		t.Fatalf("got %+v", p)
	}
	if fs.Lookup("api-token") != nil {
		t.Fatal("the token must not be a flag: a process listing would show it")
	}

	// A token file wins over the environment; private search without a token is refused.
	file := filepath.Join(t.TempDir(), "token")
	os.WriteFile(file, []byte("from-file\n"), 0o600)
	p = Policy{}
	fs = flag.NewFlagSet("run", flag.ContinueOnError)
	f = p.RegisterFlags(fs)
	fs.Parse([]string{"--api-token-file", file})
	if err := f.Load(); err != nil || p.Token != "from-file" {
		t.Fatalf("token file: %q, %v", p.Token, err)
	}
	t.Setenv("DOCKETWATCH_API_TOKEN", "")
	p = Policy{}
	fs = flag.NewFlagSet("run", flag.ContinueOnError)
	f = p.RegisterFlags(fs)
	fs.Parse(nil)
	if err := f.Load(); err == nil {
		t.Fatal("private search with no token: want an error")
	}
}
