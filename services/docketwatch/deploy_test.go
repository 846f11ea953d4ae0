package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/search"
	"github.com/docketwatch/docketwatch/services/docketwatch/node"
	"github.com/nats-io/nats-server/v2/server"
	"gopkg.in/yaml.v3"
)

// Containers cannot run here, so the deploy/ files are checked with the parsers that will
// read them: nats-server's own config parser, a YAML parser, and our own flag sets.

const deployDir = "../../deploy"

func TestDeployNATSConfigs(t *testing.T) {
	t.Setenv("DOCKETWATCH_NATS_PASSWORD", "pw")
	t.Setenv("NATS_ADMIN_PASSWORD", "pw")
	t.Setenv("POD_NAME", "nats-0")
	files, _ := filepath.Glob(filepath.Join(deployDir, "nats", "*.conf"))
	if len(files) != 3 {
		t.Fatalf("found %d NATS node configs; want 3", len(files))
	}
	// The Kubernetes ConfigMap carries one more config.
	var cm struct {
		Kind string            `yaml:"kind"`
		Data map[string]string `yaml:"data"`
	}
	for _, doc := range yamlDocs(t, filepath.Join(deployDir, "k8s", "nats.yaml")) {
		if doc.Decode(&cm) == nil && cm.Kind == "ConfigMap" {
			p := filepath.Join(t.TempDir(), "k8s-nats.conf")
			os.WriteFile(p, []byte(cm.Data["nats.conf"]), 0o644)
			files = append(files, p)
		}
	}
	for _, f := range files {
		opts, err := server.ProcessConfigFile(f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if !opts.JetStream || opts.MaxPayload != bus.MaxPayload || len(opts.Routes) != 3 || opts.Cluster.Name == "" {
			t.Errorf("%s: jetstream %v, max_payload %d (want %d), %d routes (want 3), cluster %q",
				f, opts.JetStream, opts.MaxPayload, bus.MaxPayload, len(opts.Routes), opts.Cluster.Name)
		}
	}
}

func TestDeployKubernetesManifests(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(deployDir, "k8s", "*.yaml"))
	kinds := map[string]int{}
	for _, f := range files {
		for _, doc := range yamlDocs(t, f) {
			var m struct {
				APIVersion string `yaml:"apiVersion"`
				Kind       string `yaml:"kind"`
				Metadata   struct {
					Name string `yaml:"name"`
				} `yaml:"metadata"`
				Spec struct {
					Replicas int `yaml:"replicas"`
					Selector struct {
						MatchLabels map[string]string `yaml:"matchLabels"`
					} `yaml:"selector"`
					Template struct {
						Metadata struct {
							Labels map[string]string `yaml:"labels"`
						} `yaml:"metadata"`
						Spec struct {
							Containers []struct {
								Image string   `yaml:"image"`
								Args  []string `yaml:"args"`
								Env   []struct {
									Name  string `yaml:"name"`
									Value string `yaml:"value"`
								} `yaml:"env"`
							} `yaml:"containers"`
						} `yaml:"spec"`
					} `yaml:"template"`
				} `yaml:"spec"`
			}
			if err := doc.Decode(&m); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if m.APIVersion == "" || m.Kind == "" || m.Metadata.Name == "" {
				t.Errorf("%s: a document lacks apiVersion, kind or metadata.name: %+v", f, m)
			}
			kinds[m.Kind]++
			if m.Kind != "Deployment" && m.Kind != "StatefulSet" {
				continue
			}
			for k, v := range m.Spec.Selector.MatchLabels {
				if m.Spec.Template.Metadata.Labels[k] != v {
					t.Errorf("%s %s: selector %s=%s does not match the pod labels", f, m.Metadata.Name, k, v)
				}
			}
			for _, c := range m.Spec.Template.Spec.Containers {
				if strings.HasPrefix(c.Image, "docketwatch") {
					checkVerb(t, f+" "+m.Metadata.Name, c.Args)
				}
				for _, e := range c.Env {
					if e.Name == "DOCKETWATCH_SHARD" {
						checkShards(t, f+" "+m.Metadata.Name, m.Kind, e.Value, m.Spec.Replicas)
					}
				}
			}
		}
	}
	if kinds["StatefulSet"] < 2 || kinds["Deployment"] < 2 {
		t.Errorf("manifests hold %v; want StatefulSets for NATS and indexers, Deployments for the rest", kinds)
	}
}

// checkShards checks that the pods of a StatefulSet of `replicas` indexers, given
// DOCKETWATCH_SHARD with the pod's ordinal in place of $(SHARD_INDEX), hold every shard
// of `replicas` once.
func checkShards(t *testing.T, where, kind, value string, replicas int) {
	t.Helper()
	if kind != "StatefulSet" || !strings.Contains(value, "$(SHARD_INDEX)") {
		t.Errorf("%s: DOCKETWATCH_SHARD %q must be a StatefulSet's, from the pod's ordinal $(SHARD_INDEX)", where, value)
		return
	}
	for i := range replicas {
		s, err := search.ParseShard(strings.ReplaceAll(value, "$(SHARD_INDEX)", strconv.Itoa(i)))
		if err != nil || s != (search.Shard{Index: i, Count: replicas}) {
			t.Errorf("%s: pod %d of %d would hold shard %v (%v); want %d/%d", where, i, replicas, s, err, i, replicas)
		}
	}
}

func TestDeployCompose(t *testing.T) {
	var c struct {
		Services map[string]struct {
			Image   string   `yaml:"image"`
			Command []string `yaml:"command"`
		} `yaml:"services"`
	}
	docs := yamlDocs(t, filepath.Join(deployDir, "compose.yaml"))
	if len(docs) != 1 || docs[0].Decode(&c) != nil {
		t.Fatal("compose.yaml is not one YAML document")
	}
	held := map[search.Shard]int{}
	count := 0
	for name, s := range c.Services {
		if strings.HasPrefix(s.Image, "docketwatch") {
			checkVerb(t, "compose "+name, s.Command)
		}
		if i := slices.Index(s.Command, "--shard"); i >= 0 && i+1 < len(s.Command) {
			sh, err := search.ParseShard(s.Command[i+1])
			if err != nil {
				t.Errorf("compose %s: %v", name, err)
			}
			held[sh]++
			count = sh.Count
		}
	}
	for i := range count {
		if n := held[search.Shard{Index: i, Count: count}]; n != 1 {
			t.Errorf("compose runs %d indexers of shard %d/%d; want one of each of %d shards (%v)", n, i, count, count, held)
		}
	}
	if len(c.Services) < 6 {
		t.Errorf("compose has %d services; want 3 NATS nodes and the stages", len(c.Services))
	}
}

// TestDockerfileBuildsWhatExists checks the Dockerfile's build targets are packages.
func TestDockerfileBuildsWhatExists(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(deployDir, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	targets := regexp.MustCompile(`\./services/[a-z/]+`).FindAllString(string(data), -1)
	if len(targets) == 0 {
		t.Fatal("the Dockerfile builds nothing")
	}
	for _, tg := range targets {
		cmd := exec.Command("go", "list", tg)
		cmd.Dir = "../.."
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("Dockerfile target %s: %v: %s", tg, err, out)
		}
	}
}

// checkVerb parses a container's arguments with the real flag set of the verb.
func checkVerb(t *testing.T, where string, args []string) {
	t.Helper()
	if len(args) == 0 {
		t.Errorf("%s: no arguments", where)
		return
	}
	verb := args[0]
	if verb != "run" && !slices.Contains(node.Roles, verb) {
		t.Errorf("%s: %q is not a role verb", where, verb)
		return
	}
	fs, _ := runFlags(verb)
	if _, err := parse(fs, args[1:]); err != nil {
		t.Errorf("%s: %v", where, err)
	}
}

func yamlDocs(t *testing.T, path string) []*yaml.Node {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := yaml.NewDecoder(f)
	var docs []*yaml.Node
	for {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			if err.Error() == "EOF" {
				return docs
			}
			t.Fatalf("%s: %v", path, err)
		}
		docs = append(docs, &n)
	}
}

// TestDeployExampleConfig keeps deploy/docketwatch.example.yaml in step with the flags of
// `docketwatch run` (regenerate: docketwatch config-example > deploy/docketwatch.example.yaml),
// and checks a config file with its settings uncommented is accepted.
func TestDeployExampleConfig(t *testing.T) {
	want, err := os.ReadFile(filepath.Join(deployDir, "docketwatch.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := docketwatch(t, "config-example").Output()
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != string(want) {
		t.Fatal("deploy/docketwatch.example.yaml is out of date: regenerate it with `docketwatch config-example`")
	}
	var live []string
	for _, line := range strings.Split(string(want), "\n") {
		if strings.HasPrefix(line, "# ") {
			if k, v, ok := strings.Cut(strings.TrimPrefix(line, "# "), ": "); ok && !strings.Contains(k, " ") {
				live = append(live, k+": "+v)
			}
		}
	}
	if len(live) < 20 {
		t.Fatalf("found %d settings in the example; want every flag of run", len(live))
	}
	path := filepath.Join(t.TempDir(), "all.yaml")
	os.WriteFile(path, []byte(strings.Join(live, "\n")+"\n"), 0o644)
	fs, _ := runFlags("run")
	if _, err := parse(fs, []string{"--config", path}); err != nil {
		t.Errorf("the example's own settings are refused: %v", err)
	}
}
