package config

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestApplyPrecedence(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "docketwatch.yaml")
	os.WriteFile(path, []byte("http: 0.0.0.0:9000\nnats-user: fromfile\npacer-courts: [cand, nysd]\nreplicas: 3\n"), 0o644)
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	httpAddr := fs.String("http", "127.0.0.1:8080", "")
	user := fs.String("nats-user", "", "")
	courts := fs.String("pacer-courts", "", "")
	replicas := fs.Int("replicas", 1, "")
	t.Setenv("DOCKETWATCH_NATS_USER", "fromenv")
	*user = "fromenv" // what the flag's env default would have given
	if err := fs.Parse([]string{"--replicas", "5"}); err != nil {
		t.Fatal(err)
	}
	if err := Apply(fs, path); err != nil {
		t.Fatal(err)
	}
	if *httpAddr != "0.0.0.0:9000" || *user != "fromenv" || *courts != "cand,nysd" || *replicas != 5 {
		t.Errorf("http %q user %q courts %q replicas %d; want file, env, file list, flag", *httpAddr, *user, *courts, *replicas)
	}
}

func TestApplyRefusesUnknownAndBadValues(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(path, []byte("htpp: x\nreplicas: three\n"), 0o644)
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.String("http", "", "")
	fs.Int("replicas", 1, "")
	err := Apply(fs, path)
	if err == nil || !strings.Contains(err.Error(), `"htpp"`) || !strings.Contains(err.Error(), "replicas") {
		t.Fatalf("got %v; want errors naming the unknown key and the bad value", err)
	}
}
