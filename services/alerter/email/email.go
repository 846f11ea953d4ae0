// Package email delivers alert events by SMTP to each rule's addresses: one message per
// alert or digest, plain text with an HTML alternative, whose Message-ID is derived from
// the event id so that a resend after a crash is recognisably the same message.
package email

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"html/template"
	"log/slog"
	"slices"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/docketwatch/docketwatch/pkg/alert"
	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/config"
	"github.com/docketwatch/docketwatch/pkg/fault"
	"github.com/docketwatch/docketwatch/services/alerter/status"
	"github.com/nats-io/nats.go/jetstream"
	mail "github.com/wneessen/go-mail"
)

// TLS modes.
const (
	StartTLS = "starttls" // STARTTLS required (the default)
	TLS      = "tls"      // implicit TLS (port 465)
	NoTLS    = "none"     // plain SMTP, for a relay on loopback
)

// Config is the SMTP relay and the sender.
type Config struct {
	Host     string
	Port     int // default 587, or 465 with TLS
	Username string
	// Password is never logged.
	Password string
	From     string
	TLS      string
	// Policy bounds, retries and measures the sendings (Timeout 30 s and Backoff 5 s
	// doubling to 15 min unless set).
	status.Policy
}

// TLSModes are the values of Config.TLS.
var TLSModes = []string{StartTLS, TLS, NoTLS}

// RegisterFlags registers the relay's settings on fs (pkg/config binds them to the
// environment and the config file); the password is a secret.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Host, "smtp-host", "", "SMTP relay for alert email (its password: smtp-password)")
	fs.IntVar(&c.Port, "smtp-port", 0, "SMTP port (default 587, or 465 with --smtp-tls tls)")
	fs.StringVar(&c.Username, "smtp-user", "", "SMTP user")
	config.SecretVar(fs, &c.Password, "smtp-password", "SMTP password")
	fs.StringVar(&c.From, "smtp-from", "", "sender address of alert email")
	config.ChoiceVar(fs, &c.TLS, "smtp-tls", StartTLS, TLSModes, "SMTP TLS: starttls, tls (implicit, port 465) or none (a relay on loopback)")
}

// Validate reports what is missing, naming the flags of the settings.
func (c Config) Validate() error {
	var errs []error
	if c.Host == "" {
		errs = append(errs, errors.New("--smtp-host is empty"))
	}
	if c.From == "" {
		errs = append(errs, errors.New("--smtp-from (the sender) is empty"))
	}
	if err := ValidTLS(c.TLS); err != nil {
		errs = append(errs, err)
	}
	if err := c.Policy.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// ValidTLS reports a TLS mode that is none of TLSModes (empty is the default, StartTLS).
func ValidTLS(mode string) error {
	if mode != "" && !slices.Contains(TLSModes, mode) {
		return fmt.Errorf("--smtp-tls %q: want one of %s", mode, strings.Join(TLSModes, ", "))
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.TLS == "" {
		c.TLS = StartTLS
	}
	if c.Port == 0 {
		c.Port = 587
		if c.TLS == TLS {
			c.Port = 465
		}
	}
	c.Policy = c.Policy.WithDefaults(30*time.Second, bus.ExponentialBackoff(5*time.Second, 15*time.Minute))
	return c
}

// Deliverer is the email channel.
type Deliverer struct {
	cfg    Config
	js     jetstream.JetStream
	store  *alert.Store
	log    *slog.Logger
	status *status.Recorder
}

// Deps are what the channel works with (status.Deps, one for every channel).
type Deps = status.Deps

// New returns the channel, or why cfg cannot work; Run starts it.
func New(cfg Config, deps Deps) (*Deliverer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("email channel: %w", err)
	}
	if deps.Log == nil {
		deps.Log = slog.Default()
	}
	cfg = cfg.withDefaults()
	d := &Deliverer{cfg: cfg, js: deps.JS, store: deps.Rules, log: deps.Log}
	d.status = status.New(alert.ChannelEmail, deps.Rules, cfg.Now, deps.Log)
	return d, nil
}

// Consumer is the channel's durable consumer of ALERTS.
func (d *Deliverer) Consumer() bus.Consumer {
	c := d.cfg.Consumer(d.status)
	c.Concurrency = 2
	return c
}

// Run delivers until ctx ends.
func (d *Deliverer) Run(ctx context.Context) error {
	return d.Consumer().Consume(ctx, d.js, d.log, d.handle)
}

func (d *Deliverer) handle(ctx context.Context, msg jetstream.Msg) error {
	e, r, ok, err := d.store.ToDeliver(ctx, msg.Data())
	if !ok || r.Email == nil || len(r.Email.To) == 0 {
		return err
	}
	return d.deliver(ctx, e, r)
}

// deliver mails event e to rule r's addresses and records how it went on the rule.
func (d *Deliverer) deliver(ctx context.Context, e alert.Event, r alert.Rule) error {
	m, err := Message(d.cfg.From, r.Email.To, e)
	if err != nil {
		return fault.PermanentErr(err)
	}
	if err := d.send(ctx, m); err != nil {
		d.cfg.Delivery("failed")
		d.log.Info("email failed", "rule", r.ID, "event", e.ID(), "err", err)
		d.status.Failed(ctx, r.ID, err, nil)
		return err
	}
	d.cfg.Delivery("delivered")
	d.status.Delivered(ctx, r)
	d.log.Debug("email sent", "rule", r.ID, "event", e.ID(), "to", len(r.Email.To))
	return nil
}

func (d *Deliverer) send(ctx context.Context, m *mail.Msg) error {
	opts := []mail.Option{mail.WithPort(d.cfg.Port), mail.WithTimeout(d.cfg.Timeout)}
	switch d.cfg.TLS {
	case NoTLS:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	case TLS:
		opts = append(opts, mail.WithSSL())
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	if d.cfg.Username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover),
			mail.WithUsername(d.cfg.Username), mail.WithPassword(d.cfg.Password))
	}
	c, err := mail.NewClient(d.cfg.Host, opts...)
	if err != nil {
		return fault.Permanentf("configuring smtp client: %v", err)
	}
	ctx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
	defer cancel()
	if err := c.DialAndSendWithContext(ctx, m); err != nil {
		// A 5xx answer to the recipients or the data is the relay refusing for good.
		var se *mail.SendError
		if errors.As(err, &se) && !se.IsTemp() && (se.Reason == mail.ErrSMTPMailFrom || se.Reason == mail.ErrSMTPRcptTo ||
			se.Reason == mail.ErrSMTPData || se.Reason == mail.ErrSMTPDataClose) {
			return fault.Permanentf("sending email via %s: %v", d.cfg.Host, err)
		}
		return fmt.Errorf("sending email via %s: %w", d.cfg.Host, err)
	}
	return nil
}

// Message builds the email of an event.
func Message(from string, to []string, e alert.Event) (*mail.Msg, error) {
	m := mail.NewMsg()
	if err := m.From(from); err != nil {
		return nil, fmt.Errorf("email sender %q: %w", from, err)
	}
	if err := m.To(to...); err != nil {
		return nil, fmt.Errorf("email recipients: %w", err)
	}
	m.SetMessageIDWithValue(strings.NewReplacer(":", ".", "/", ".", "=", "-").Replace(e.ID()) + "@docketwatch")
	m.SetDate()
	var subject string
	var text, htmlBody bytes.Buffer
	switch {
	case e.Alert != nil:
		a := e.Alert
		subject = fmt.Sprintf("[docketwatch] %s: %s", a.RuleName, a.Heading())
		if err := textTmpl.ExecuteTemplate(&text, "alert", a); err != nil {
			return nil, err
		}
		if err := htmlTmpl.ExecuteTemplate(&htmlBody, "alert", a); err != nil {
			return nil, err
		}
	case e.Digest != nil:
		subject = fmt.Sprintf("[docketwatch] %s: %d more matches on %s", e.Digest.RuleName, len(e.Digest.Alerts)+e.Digest.Omitted, e.Digest.Day)
		if err := textTmpl.ExecuteTemplate(&text, "digest", e.Digest); err != nil {
			return nil, err
		}
		if err := htmlTmpl.ExecuteTemplate(&htmlBody, "digest", e.Digest); err != nil {
			return nil, err
		}
	}
	m.Subject(subject)
	m.SetBodyString(mail.TypeTextPlain, text.String())
	m.AddAlternativeString(mail.TypeTextHTML, htmlBody.String())
	return m, nil
}

var funcs = template.FuncMap{
	"title": alert.Alert.Heading, "plain": alert.PlainSnippet,
	// The snippet is escaped text with <mark> tags, built by the percolator: safe HTML.
	"snippetHTML": func(s string) template.HTML { return template.HTML(s) },
	"kind": func(k alert.Kind) string {
		if k == alert.NewlyAvailable {
			return "newly available"
		}
		return "newly filed"
	},
}

var textTmpl = texttemplate.Must(texttemplate.New("text").Funcs(texttemplate.FuncMap(funcs)).Parse(`
{{- define "alert" -}}
{{.RuleName}}: {{kind .Kind}} document matched.

{{title .}}
{{with .Description}}{{.}}
{{end}}{{with .Page}}Page {{.}}{{end}}{{with .Pages}} (matches on pages{{range .}} {{.}}{{end}}){{end}}
Matched: {{range $i, $t := .Terms}}{{if $i}}, {{end}}{{$t}}{{end}}

{{plain .Snippet}}

{{with .Link}}Open: {{.}}
{{end}}{{with .SourceURL}}Source: {{.}}
{{end}}Document id: {{.DocID}}
{{- end}}
{{- define "digest" -}}
{{.RuleName}}: {{len .Alerts}} matches on {{.Day}} beyond the rule's daily cap{{with .Omitted}} (and {{.}} more){{end}}.
{{range .Alerts}}
- {{title .}}{{with .Page}}, page {{.}}{{end}}: {{plain .Snippet}}
  {{with .Link}}{{.}}{{else}}{{.DocID}}{{end}}
{{end}}
{{- end}}`))

var htmlTmpl = template.Must(template.New("html").Funcs(funcs).Parse(`
{{- define "alert" -}}
<p><b>{{.RuleName}}</b>: {{kind .Kind}} document matched.</p>
<p>{{title .}}{{with .Description}}<br>{{.}}{{end}}</p>
<p>{{with .Page}}Page {{.}}. {{end}}Matched: {{range $i, $t := .Terms}}{{if $i}}, {{end}}<mark>{{$t}}</mark>{{end}}</p>
<blockquote>{{snippetHTML .Snippet}}</blockquote>
<p>{{with .Link}}<a href="{{.}}">Open in docketwatch</a> {{end}}{{with .SourceURL}}<a href="{{.}}">Source</a>{{end}}</p>
{{- end}}
{{- define "digest" -}}
<p><b>{{.RuleName}}</b>: {{len .Alerts}} matches on {{.Day}} beyond the rule's daily cap{{with .Omitted}} (and {{.}} more){{end}}.</p>
<ul>{{range $a := .Alerts}}<li>{{if $a.Link}}<a href="{{$a.Link}}">{{title $a}}</a>{{else}}{{title $a}}{{end}}{{with $a.Page}}, page {{.}}{{end}}: {{snippetHTML $a.Snippet}}</li>{{end}}</ul>
{{- end}}`))
