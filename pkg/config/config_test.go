package config

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// newSet is a flag set with one setting of each kind and a --config.
func newSet(t testing.TB, file string) (*flag.FlagSet, map[string]*string) {
	t.Helper()
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	v := map[string]*string{"http": new(string), "nats-user": new(string), "pacer-courts": new(string),
		"engine": new(string), "token": new(string), "config": new(string)}
	fs.StringVar(v["http"], "http", "127.0.0.1:8080", "")
	fs.StringVar(v["nats-user"], "nats-user", "", "")
	fs.StringVar(v["pacer-courts"], "pacer-courts", "", "")
	ChoiceVar(fs, v["engine"], "engine", "auto", []string{"auto", "go"}, "engine")
	SecretVar(fs, v["token"], "token", "the token")
	fs.StringVar(v["config"], "config", file, "")
	return fs, v
}

func TestResolvePrecedence(t *testing.T) {
	path := filepath.Join(t.TempDir(), "docketwatch.yaml")
	os.WriteFile(path, []byte("http: 0.0.0.0:9000\nnats-user: fromfile\npacer-courts: [cand, nysd]\nengine: go\ntoken: filetoken\n"), 0o644)
	t.Setenv("DOCKETWATCH_NATS_USER", "fromenv")
	t.Setenv("DOCKETWATCH_TOKEN", "envtoken")
	fs, v := newSet(t, path)
	if err := fs.Parse([]string{"--http", "cli:1"}); err != nil {
		t.Fatal(err)
	}
	if err := Resolve(fs); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"http": "cli:1", "nats-user": "fromenv", "pacer-courts": "cand,nysd", "engine": "go", "token": "envtoken"}
	for k, w := range want {
		if got := *v[k]; got != w {
			t.Errorf("%s = %q; want %q", k, got, w)
		}
	}
}

func TestResolveConfigFromEnv(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(path, []byte("nats-user: fromfile\n"), 0o644)
	t.Setenv("DOCKETWATCH_CONFIG", path)
	fs, v := newSet(t, "")
	fs.Parse(nil)
	if err := Resolve(fs); err != nil {
		t.Fatal(err)
	}
	if *v["nats-user"] != "fromfile" {
		t.Errorf("nats-user = %q; want the file's, named by DOCKETWATCH_CONFIG", *v["nats-user"])
	}
}

func TestResolveRefuses(t *testing.T) {
	tests := []struct {
		name, file string
		env        map[string]string
		args       []string
		wantErr    []string
	}{
		{name: "unknown key", file: "htpp: x\n", wantErr: []string{`"htpp"`}},
		{name: "bad file value", file: "engine: popler\n", wantErr: []string{"--engine", "popler"}},
		{name: "bad env value", env: map[string]string{"DOCKETWATCH_ENGINE": "popler"}, wantErr: []string{"DOCKETWATCH_ENGINE", "--engine"}},
		{name: "secret flag", args: []string{"--token", "x"}, wantErr: []string{"--token", "DOCKETWATCH_TOKEN"}},
		{name: "config in the file", file: "config: other.yaml\n", wantErr: []string{`"config"`}},
		{name: "not YAML", file: "http: [\n", wantErr: []string{"--config"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := ""
			if tt.file != "" {
				path = filepath.Join(t.TempDir(), "c.yaml")
				os.WriteFile(path, []byte(tt.file), 0o644)
			}
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			fs, _ := newSet(t, path)
			fs.SetOutput(&bytes.Buffer{})
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			err := Resolve(fs)
			if err == nil {
				t.Fatal("got no error")
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("got %v; want it to name %s", err, w)
				}
			}
		})
	}
}

func TestChoiceRefusesOnParse(t *testing.T) {
	fs, _ := newSet(t, "")
	fs.SetOutput(&bytes.Buffer{})
	err := fs.Parse([]string{"--engine", "popler"})
	if err == nil || !strings.Contains(err.Error(), "-engine") || !strings.Contains(err.Error(), "auto, go") {
		t.Fatalf("got %v; want the flag and its choices named", err)
	}
}

func TestSecretNeverPrinted(t *testing.T) {
	t.Setenv("DOCKETWATCH_TOKEN", "hunter2")
	fs, _ := newSet(t, "")
	fs.Parse(nil)
	if err := Resolve(fs); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	fs.SetOutput(&b)
	fs.PrintDefaults()
	Example(&b, fs)
	if got := fs.Lookup("token").Value.String(); strings.Contains(got, "hunter2") || strings.Contains(b.String(), "hunter2") {
		t.Errorf("the secret's value is printed: %q", got)
	}
}
