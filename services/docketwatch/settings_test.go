package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/config"
	"github.com/docketwatch/docketwatch/services/api"
	"github.com/docketwatch/docketwatch/services/docketwatch/node"
)

// verbs are the ways to start roles: `run` and each role's own verb.
var verbs = append([]string{"run"}, node.Roles...)

// TestRoleFlagSetsAreOne checks that every role takes the same flags, with the same
// meaning and defaults, however it is started: `run` or `docketwatch ROLE`, as the binary
// dispatches them (`docketwatch VERB --help` lists them). (There are no per-service
// binaries: deploy/README.md says why.)
func TestRoleFlagSetsAreOne(t *testing.T) {
	runFS, _ := runFlags("run")
	var want strings.Builder
	runFS.SetOutput(&want)
	runFS.PrintDefaults()
	for _, verb := range verbs {
		out, err := docketwatch(t, verb, "--help").Output()
		if err != nil {
			t.Fatalf("docketwatch %s --help: %v", verb, err)
		}
		_, got, _ := strings.Cut(string(out), "\n") // after "Flags of docketwatch VERB:"
		if got != want.String() {
			t.Errorf("docketwatch %s takes other flags than run:\n%s\nwant\n%s", verb, got, want.String())
		}
	}
}

// badSetting is a value a setting refuses; role is the role that reads the setting (""
// for every one), so only the verbs that run it must refuse it; with are the other
// settings under which it is read.
type badSetting struct {
	flag, value, role string
	with              []string
}

// badSettings are the invalid values of the settings that are not a config.Choice (each
// Choice is tried with a word it does not know).
var badSettings = []badSetting{
	{"roles", "indexer,frobnicator", "", nil},
	{"replicas", "0", "", nil},
	{"trace-sample", "1.5", "", nil},
	{"nats-port", "70000", "", nil},
	{"shard", "2/2", node.RoleIndexer, nil},
	{"extract-concurrency", "-1", node.RoleExtractor, nil},
	{"courtlistener-budget", "5/fortnight", node.RoleFetcher, nil},
	{"courtlistener-courts", "Cand/x", node.RoleFetcher, nil},
	{"pacer-courts", "ny/sd", node.RoleFetcher, nil},
	{"pacer-interval", "1m", node.RoleFetcher, nil},
	{"base-url", "ftp://example.org", node.RoleAlerter, nil},
	{"smtp-port", "-2", node.RoleAlerter, nil},
	{"http", "no-port", node.RoleAPI, nil},
	{"max-body", "-5", node.RoleAPI, nil},
	{"search-public", "maybe", node.RoleAPI, nil},
	{"trusted-proxies", "10.0.0.0/33", node.RoleAPI, nil},
	{"webhook-sources", "nowhere", node.RoleAPI, nil},
	{"api-token-file", "/nonexistent/token", node.RoleAPI, nil},
	{"http", "", node.RoleAPI, []string{"--roles", node.RoleAPI}}, // an api serving nothing
	{"courtlistener-token-file", "/nonexistent/token", node.RoleFetcher, nil},
	{"pacer-username-file", "/nonexistent/user", node.RoleFetcher, nil},
	{"pacer-password-file", "/nonexistent/password", node.RoleFetcher, nil},
	{"aliases", "/nonexistent/aliases.yaml", node.RoleExtractor, nil},
	{"otlp-endpoint", "ftp://otel-collector:4318", "", nil},
	{"metrics", "no-port", "", nil},
	{"config", "/nonexistent/docketwatch.yaml", "", nil}, // in a file: not a setting
	{"nats", "ftp://nats:4222", "", nil},
	{"courtlistener-url", "ftp://courtlistener", node.RoleFetcher, nil},
	{"courtlistener-storage-url", "storage.courtlistener.com", node.RoleFetcher, nil},
	{"nats-creds", "/nonexistent/user.creds", "", []string{"--nats", "nats://127.0.0.1:1"}},
	{"nats-nkey", "/nonexistent/user.nk", "", []string{"--nats", "nats://127.0.0.1:1"}},
}

// TestInvalidSettingsRefusedAtStart starts every verb, as the binary dispatches it, with
// an invalid value of every enumerated or structured setting and of every file a setting
// names, from the command line, the environment and the config file: each is refused
// before anything starts (the data directory stays empty: no NATS store, no index, no
// token), with a message naming the flag.
func TestInvalidSettingsRefusedAtStart(t *testing.T) {
	cases := slices.Clone(badSettings)
	files := t.TempDir()
	file := func(name, content string) string {
		path := filepath.Join(files, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	cases = append(cases,
		badSetting{"courtlistener-token-file", file("empty-token", "\n"), node.RoleFetcher, nil},
		badSetting{"aliases", file("aliases.yaml", "[not, a, map]\n"), node.RoleExtractor, nil},
		badSetting{"nats-creds", file("seed.creds", "SUAJUNK\n"), "", []string{"--nats", "nats://127.0.0.1:1"}},
	)
	fs, _ := runFlags("run")
	fs.VisitAll(func(f *flag.Flag) {
		if config.Choices(f) != nil {
			cases = append(cases, badSetting{f.Name, "frobnicated", "", nil})
		}
	})
	for _, bad := range cases {
		if fs.Lookup(bad.flag) == nil {
			t.Fatalf("--%s is not a setting", bad.flag)
		}
		for _, verb := range verbs {
			if bad.role != "" && verb != "run" && verb != bad.role {
				continue
			}
			for _, from := range []string{"flag", "env", "file"} {
				if from == "env" && bad.value == "" {
					continue // an empty variable is no setting (pkg/config)
				}
				t.Run(fmt.Sprintf("%s/%s/%s", bad.flag, verb, from), func(t *testing.T) {
					data := t.TempDir()
					args := append([]string{"--data", data, "--http", "127.0.0.1:0"}, bad.with...)
					switch from {
					case "flag":
						args = append(args, "--"+bad.flag+"="+bad.value)
					case "env":
						t.Setenv(config.EnvName(bad.flag), bad.value)
					case "file":
						path := filepath.Join(t.TempDir(), "c.yaml")
						os.WriteFile(path, []byte(bad.flag+": "+bad.value+"\n"), 0o644)
						args = append(args, "--config", path)
					}
					if bad.flag == "http" || bad.flag == "search-public" {
						args = slices.Delete(args, 2, 4) // the setting under test
					}
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					defer cancel()
					start := time.Now()
					err := commands[verb](ctx, verb, args)
					if err == nil || !strings.Contains(err.Error(), "-"+bad.flag) {
						t.Fatalf("%s %q: got %v; want an error naming --%s", bad.flag, bad.value, err, bad.flag)
					}
					if took := time.Since(start); took > 2*time.Second {
						t.Errorf("refused after %v: something started first", took)
					}
					if made, _ := os.ReadDir(data); len(made) > 0 {
						t.Errorf("refused after %s was written in the data directory: something started first", made[0].Name())
					}
				})
			}
		}
	}
}

// samples are three valid values (file, environment, command line) of the settings whose
// type alone does not say what is valid.
var samples = map[string][3]string{
	"roles":                {"indexer", "extractor", "api"},
	"shard":                {"0/2", "1/2", "2/3"},
	"courtlistener-courts": {"cand", "nysd", "ca9"},
	"pacer-courts":         {"cand", "nysd", "ca9"},
	"courtlistener-budget": {"5/min", "6/min", "7/min"},
	"trusted-proxies":      {"10.0.0.1", "10.0.0.2", "10.0.0.3"},
	"webhook-sources":      {"10.0.0.1", "10.0.0.2", "10.0.0.3"},
	"buy-cap-day":          {"1.00", "2.00", "3.00"},
	"buy-cap-month":        {"10.00", "20.00", "30.00"},
	"buy-dockets":          {"cand/3:20-cv-08570", "nysd/1:21-cv-00001", "ca9/20-16276"},
	"buy-terms":            {"exhibit", "declaration", "transcript"},
}

// secrets read each secret setting's value back: a secret never prints it.
var secrets = map[string]func(o *runOptions) string{
	"nats-password":       func(o *runOptions) string { return o.NATS.Password },
	"nats-token":          func(o *runOptions) string { return o.NATS.Token },
	"api-token":           func(o *runOptions) string { return o.node.API.Policy.Token },
	"smtp-password":       func(o *runOptions) string { return o.node.Alerter.SMTP.Password },
	"courtlistener-token": func(o *runOptions) string { return string(o.node.Fetcher.CourtListener.Token) },
	"pacer-username":      func(o *runOptions) string { return string(o.node.RECAP.PACERUsername) },
	"pacer-password":      func(o *runOptions) string { return string(o.node.RECAP.PACERPassword) },
}

// valuesFor are three values of f, each unlike the one before and the first unlike the
// default: what the file, the environment and the command line give in turn.
func valuesFor(t *testing.T, f *flag.Flag) [3]string {
	t.Helper()
	if v, ok := samples[f.Name]; ok {
		return v
	}
	if _, ok := secrets[f.Name]; ok {
		return [3]string{"file-secret", "env-secret", "flag-secret"}
	}
	if ch := config.Choices(f); ch != nil {
		others := slices.DeleteFunc(slices.Clone(ch), func(c string) bool { return c == f.DefValue })
		if len(others) == 1 {
			return [3]string{others[0], f.DefValue, others[0]}
		}
		return [3]string{others[0], others[1], others[0]}
	}
	if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
		not := map[string]string{"true": "false", "false": "true"}[f.DefValue]
		return [3]string{not, f.DefValue, not}
	}
	g, ok := f.Value.(flag.Getter)
	if !ok {
		t.Fatalf("--%s: add three valid values to samples", f.Name)
	}
	switch g.Get().(type) {
	case string:
		return [3]string{"file-value", "env-value", "flag-value"}
	case int, int64:
		return [3]string{"11", "12", "13"}
	case float64:
		return [3]string{"0.25", "0.5", "0.75"}
	case time.Duration:
		return [3]string{"61m0s", "62m0s", "63m0s"}
	}
	t.Fatalf("--%s: add three valid values to samples", f.Name)
	return [3]string{}
}

// resolved is the run flag set after the command line args, the environment env and a
// config file holding file.
func resolved(t *testing.T, args []string, env, file map[string]string) (*flag.FlagSet, *runOptions) {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
	var yaml strings.Builder
	for k, v := range file {
		fmt.Fprintf(&yaml, "%s: %q\n", k, v)
	}
	path := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(path, []byte(yaml.String()), 0o644)
	fs, o := runFlags("run")
	if _, err := parse(fs, append(args, "--config", path)); err != nil {
		t.Fatal(err)
	}
	return fs, o
}

// TestEverySettingPrecedence walks every setting of run and the role verbs: its file key
// is read, its environment variable (DOCKETWATCH_ and the flag's name) overrides the
// file, and its flag overrides both, except that a secret is refused as a flag.
func TestEverySettingPrecedence(t *testing.T) {
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "DOCKETWATCH_") && k != "DOCKETWATCH_TEST_MAIN" {
			t.Setenv(k, "")
		}
	}
	all, _ := runFlags("run")
	all.VisitAll(func(f *flag.Flag) {
		if f.Name == config.FileFlag {
			return
		}
		t.Run(f.Name, func(t *testing.T) {
			v := valuesFor(t, f)
			env := config.EnvName(f.Name)
			// What each value reads as once set (a list or an address set prints its own way).
			read := func(fs *flag.FlagSet, o *runOptions) string {
				if get, ok := secrets[f.Name]; ok {
					return get(o)
				}
				return fs.Lookup(f.Name).Value.String()
			}
			want := func(s string) string {
				if secrets[f.Name] != nil {
					return s
				}
				fresh, _ := runFlags("run")
				fresh.Lookup(f.Name).Value.Set(s)
				return fresh.Lookup(f.Name).Value.String()
			}
			if got := read(resolved(t, nil, nil, map[string]string{f.Name: v[0]})); got != want(v[0]) {
				t.Errorf("from the file: got %q; want %q", got, want(v[0]))
			}
			if got := read(resolved(t, nil, map[string]string{env: v[1]}, map[string]string{f.Name: v[0]})); got != want(v[1]) {
				t.Errorf("%s over the file: got %q; want %q", env, got, want(v[1]))
			}
			if _, ok := secrets[f.Name]; ok {
				if config.IsSecret(f) {
					return
				}
				t.Fatalf("--%s is in secrets but not a config.SecretVar", f.Name)
			}
			if config.IsSecret(f) {
				t.Fatalf("--%s is a secret: add it to secrets", f.Name)
			}
			fs, o := resolved(t, []string{"--" + f.Name + "=" + v[2]}, map[string]string{env: v[1]}, map[string]string{f.Name: v[0]})
			if got := read(fs, o); got != want(v[2]) {
				t.Errorf("the flag over %s and the file: got %q; want %q", env, got, want(v[2]))
			}
		})
	})
}

// TestSecretRefusedAsFlag: a secret on the command line would show in a process listing.
func TestSecretRefusedAsFlag(t *testing.T) {
	for name := range secrets {
		fs, _ := runFlags("run")
		if _, err := parse(fs, []string{"--" + name, "hunter2"}); err == nil || !strings.Contains(err.Error(), config.EnvName(name)) {
			t.Errorf("--%s on the command line: got %v; want it refused, naming %s", name, err, config.EnvName(name))
		}
	}
}

// TestRunHTTPAddressInUse: an address in use is a clear error of the start, not a panic
// of goroutines left behind (issue 23 item 5), and the data directory is free again.
func TestRunHTTPAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	data := t.TempDir()
	cfg := node.Config{DataDir: data, API: api.Config{HTTP: ln.Addr().String(), Policy: api.Policy{PublicReads: true, Rate: -1}}}
	n, err := node.Start(context.Background(), cfg)
	if err == nil {
		n.Close()
		t.Fatal("started on an address in use")
	}
	if !strings.Contains(err.Error(), "--http") || !strings.Contains(err.Error(), ln.Addr().String()) {
		t.Errorf("got %v; want the flag and the address named", err)
	}
	var opErr *net.OpError
	if !errors.As(err, &opErr) {
		t.Errorf("got %v; want the listen error wrapped", err)
	}
	cfg.API.HTTP = "127.0.0.1:0"
	n, err = node.Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("a second start on the same data directory: %v", err)
	}
	n.Close()
}
