// Package openapi holds the OpenAPI 3.1 description of the HTTP API (/api/v1) and serves
// it: the description as JSON at /api/openapi.json, and a page for people at /api/
// rendered from it here (no scripts, nothing fetched from elsewhere). A test validates
// real answers of every endpoint against it (services/api/openapi_test.go), so that it
// cannot drift from the code.
package openapi

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

//go:embed openapi.yaml
var specYAML []byte

// JSON is the description as JSON.
func JSON() ([]byte, error) {
	var doc any
	if err := yaml.Unmarshal(specYAML, &doc); err != nil {
		return nil, fmt.Errorf("reading the OpenAPI description: %w", err)
	}
	return json.MarshalIndent(doc, "", "  ")
}

// Routes serves the description at /api/openapi.json and its page at /api/.
func Routes(mux *http.ServeMux) error {
	js, err := JSON()
	if err != nil {
		return err
	}
	page, err := renderPage()
	if err != nil {
		return err
	}
	mux.HandleFunc("GET /api/openapi.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(js)
	})
	mux.HandleFunc("GET /api/{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	})
	return nil
}

// spec is the part of the description the page shows.
type spec struct {
	Info struct {
		Title       string `yaml:"title"`
		Summary     string `yaml:"summary"`
		Description string `yaml:"description"`
	} `yaml:"info"`
	Paths      map[string]map[string]yaml.Node `yaml:"paths"`
	Components struct {
		Parameters map[string]param `yaml:"parameters"`
	} `yaml:"components"`
}

type param struct {
	Ref         string `yaml:"$ref"`
	Name        string `yaml:"name"`
	In          string `yaml:"in"`
	Required    bool   `yaml:"required"`
	Description string `yaml:"description"`
}

type operation struct {
	Summary    string           `yaml:"summary"`
	Parameters []param          `yaml:"parameters"`
	Security   []map[string]any `yaml:"security"`
	Responses  map[string]struct {
		Ref         string `yaml:"$ref"`
		Description string `yaml:"description"`
	} `yaml:"responses"`
}

// endpoint is one row of the page.
type endpoint struct {
	Method, Path, Summary string
	NeedsToken            bool
	Params                []param
	Responses             []string
}

func renderPage() ([]byte, error) {
	var s spec
	if err := yaml.Unmarshal(specYAML, &s); err != nil {
		return nil, fmt.Errorf("reading the OpenAPI description: %w", err)
	}
	var eps []endpoint
	for _, path := range slices.Sorted(maps.Keys(s.Paths)) {
		var shared []param
		if n, ok := s.Paths[path]["parameters"]; ok {
			n.Decode(&shared)
		}
		for _, method := range []string{"get", "post", "delete"} {
			n, ok := s.Paths[path][method]
			if !ok {
				continue
			}
			var op operation
			if err := n.Decode(&op); err != nil {
				return nil, fmt.Errorf("reading %s %s: %w", method, path, err)
			}
			ep := endpoint{Method: strings.ToUpper(method), Path: path, Summary: op.Summary, NeedsToken: len(op.Security) > 0}
			for _, p := range append(shared, op.Parameters...) {
				if name, ok := strings.CutPrefix(p.Ref, "#/components/parameters/"); ok {
					p = s.Components.Parameters[name]
				}
				ep.Params = append(ep.Params, p)
			}
			for _, code := range slices.Sorted(maps.Keys(op.Responses)) {
				r := op.Responses[code]
				desc := r.Description
				if r.Ref != "" {
					desc = "error: {\"error\": {\"message\": …}}"
				}
				ep.Responses = append(ep.Responses, code+" "+desc)
			}
			eps = append(eps, ep)
		}
	}
	var b strings.Builder
	err := pageTmpl.Execute(&b, map[string]any{"Info": s.Info, "Endpoints": eps})
	return []byte(b.String()), err
}

var pageTmpl = template.Must(template.New("api").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Info.Title}}</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 0 auto; padding: 1rem; color: #1b1f24; }
code { background: #f1f3f5; padding: 0 .2rem; border-radius: 3px; }
section { border-top: 1px solid #d0d7de; padding: .5rem 0; }
.method { font-weight: 700; display: inline-block; min-width: 4rem; }
table { border-collapse: collapse; } td, th { text-align: left; padding: .15rem .6rem .15rem 0; vertical-align: top; }
.token { color: #9a3412; font-size: .9rem; }
</style></head><body>
<h1>{{.Info.Title}}</h1>
<p>{{.Info.Summary}}</p>
<p>{{.Info.Description}}</p>
<p>The machine-readable description (OpenAPI 3.1): <a href="/api/openapi.json">/api/openapi.json</a>.</p>
{{range .Endpoints}}<section id="{{.Method}}-{{.Path}}">
<h2><span class="method">{{.Method}}</span> <code>{{.Path}}</code>{{if .NeedsToken}} <span class="token">needs the token</span>{{end}}</h2>
<p>{{.Summary}}</p>
{{with .Params}}<table><thead><tr><th>Parameter</th><th>In</th><th>What</th></tr></thead><tbody>
{{range .}}<tr><td><code>{{.Name}}</code>{{if .Required}} (required){{end}}</td><td>{{.In}}</td><td>{{.Description}}</td></tr>
{{end}}</tbody></table>{{end}}
<p>Answers: {{range $i, $r := .Responses}}{{if $i}}; {{end}}{{$r}}{{end}}</p>
</section>
{{end}}</body></html>
`))
