package recap

import (
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/config"
	"github.com/docketwatch/docketwatch/pkg/filing"
)

func TestEstimate(t *testing.T) {
	for _, tc := range []struct {
		pages      int
		transcript bool
		want       Cents
		ok         bool
	}{
		{1, false, 10, true},
		{29, false, 290, true},
		{30, false, 300, true},
		{31, false, 300, true}, // the per-document cap
		{500, false, 300, true},
		{0, false, 300, true}, // unknown: the most it can cost
		{120, true, 1200, true},
		{0, true, 0, false}, // a transcript of unknown length cannot be bounded
	} {
		t.Run(fmt.Sprintf("%d/%v", tc.pages, tc.transcript), func(t *testing.T) {
			got, ok := Estimate(tc.pages, tc.transcript)
			if got != tc.want || ok != tc.ok {
				t.Errorf("Estimate(%d, %v) = %v, %v; want %v, %v", tc.pages, tc.transcript, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestRulesDecide(t *testing.T) {
	exhibit := filing.Document{Docket: filing.Docket{Court: "nysd", Number: "1:26-cv-00042"}, Description: "Exhibit 4 - Email from the treasurer", Exhibit: true}
	motion := filing.Document{Docket: exhibit.Docket, Entry: filing.Entry{Description: "MOTION to compel"}}
	transcript := filing.Document{Docket: exhibit.Docket, Description: "TRANSCRIPT of Proceedings", Exhibit: true}
	watch := Rules{Enabled: true, Dockets: []string{"NYSD/1:26-cv-00042"}}
	for _, tc := range []struct {
		name  string
		rules Rules
		doc   filing.Document
		pages int
		buy   bool
	}{
		{"off by default", Rules{Dockets: watch.Dockets}, exhibit, 3, false},
		{"enabled without a docket or term buys nothing", Rules{Enabled: true}, exhibit, 3, false},
		{"watched docket", watch, exhibit, 3, true},
		{"other docket", Rules{Enabled: true, Dockets: []string{"nysd/1:26-cv-00043"}}, exhibit, 3, false},
		{"exhibits only refuses a motion", Rules{Enabled: true, Dockets: watch.Dockets, ExhibitsOnly: true}, motion, 3, false},
		{"term in the description", Rules{Enabled: true, Terms: []string{"treasurer"}}, exhibit, 3, true},
		{"term in the entry text", Rules{Enabled: true, Terms: []string{"compel"}}, motion, 3, true},
		{"term absent", Rules{Enabled: true, Terms: []string{"merger"}}, exhibit, 3, false},
		{"docket and term both needed", Rules{Enabled: true, Dockets: watch.Dockets, Terms: []string{"merger"}}, exhibit, 3, false},
		{"too long", Rules{Enabled: true, Dockets: watch.Dockets, MaxPages: 10}, exhibit, 11, false},
		{"length unknown under a page limit", Rules{Enabled: true, Dockets: watch.Dockets, MaxPages: 10}, exhibit, 0, false},
		{"transcripts need their own consent", watch, transcript, 3, false},
		{"transcripts allowed", Rules{Enabled: true, Dockets: watch.Dockets, Transcripts: true}, transcript, 3, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.rules.Decide(tc.doc, tc.pages)
			if d.Buy != tc.buy || d.Reason == "" {
				t.Errorf("Decide = %+v; want buy %v with a reason", d, tc.buy)
			}
		})
	}
}

func TestParseDollars(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    Cents
		wantErr bool
	}{{"5", 500, false}, {"5.00", 500, false}, {"$0.3", 30, false}, {"12.34", 1234, false}, {"", 0, false},
		{"1.234", 0, true}, {"-1", 0, true}, {"five", 0, true}} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseDollars(tc.in)
			if got != tc.want || (err != nil) != tc.wantErr {
				t.Errorf("ParseDollars(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.wantErr)
			}
		})
	}
}

// Buying needs caps, a rule that limits it and a PACER login, which is a secret (the
// environment, the config file or files), never a flag.
func TestConfigValidate(t *testing.T) {
	on := Rules{Enabled: true, Dockets: []string{"nysd/1:26-cv-00042"}}
	for _, tc := range []struct {
		name    string
		cfg     Config
		login   bool
		wantErr string
	}{
		{"free lookups need nothing", Config{}, false, ""},
		{"buying without caps", Config{Rules: on}, true, "cap"},
		{"buying without a rule", Config{Rules: Rules{Enabled: true}, Caps: Caps{Day: 1, Month: 1}}, true, "watched dockets or terms"},
		{"buying without a login", Config{Rules: on, Caps: Caps{Day: 1, Month: 1}}, false, "PACER login"},
		{"buying", Config{Rules: on, Caps: Caps{Day: 1, Month: 1}}, true, ""},
		{"a login file missing", Config{Rules: on, Caps: Caps{Day: 1, Month: 1}, PACERUsernameFile: "/nonexistent/user"}, true, "--pacer-username-file"},
		{"a login file missing, not buying", Config{PACERPasswordFile: "/nonexistent/password"}, false, "--pacer-password-file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.login {
				tc.cfg.PACERUsername, tc.cfg.PACERPassword = "u", "p"
			}
			err := tc.cfg.Validate()
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("Validate() = %v; want %q", err, tc.wantErr)
			}
		})
	}
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	new(Config).RegisterFlags(fs)
	fs.VisitAll(func(f *flag.Flag) {
		if strings.Contains(f.Name, "password") && !strings.HasSuffix(f.Name, "-file") && !config.IsSecret(f) {
			t.Errorf("flag --%s takes a password on the command line", f.Name)
		}
	})
}
