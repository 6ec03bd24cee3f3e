package config

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestSourceKindURL(t *testing.T) {
	tests := []struct {
		s         Source
		kind, url string
	}{
		{Source{Feed: "https://a/rss"}, "feed", "https://a/rss"},
		{Source{Page: "https://a/", Links: "a"}, "page", "https://a/"},
		{Source{Sitemap: "https://a/s.xml"}, "sitemap", "https://a/s.xml"},
		{Source{}, "", ""},
	}
	for _, tt := range tests {
		if got := tt.s.Kind(); got != tt.kind {
			t.Errorf("%+v.Kind() = %q, want %q", tt.s, got, tt.kind)
		}
		if got := tt.s.URL(); got != tt.url {
			t.Errorf("%+v.URL() = %q, want %q", tt.s, got, tt.url)
		}
	}
}

func TestNotifierKind(t *testing.T) {
	tests := []struct {
		n    Notifier
		want string
	}{
		{Notifier{Webhook: &Webhook{}}, "webhook"},
		{Notifier{Slack: &Slack{}}, "slack"},
		{Notifier{Email: &Email{}}, "email"},
		{Notifier{Stdout: &Stdout{}}, "stdout"},
		{Notifier{}, ""},
	}
	for _, tt := range tests {
		if got := tt.n.Kind(); got != tt.want {
			t.Errorf("Notifier.Kind() = %q, want %q", got, tt.want)
		}
	}
}

func TestAppliesTo(t *testing.T) {
	tests := []struct {
		sources []string
		source  string
		want    bool
	}{
		{nil, "wire", true},
		{[]string{"wire", "desk"}, "desk", true},
		{[]string{"wire"}, "desk", false},
	}
	for _, tt := range tests {
		if got := (Watch{Sources: tt.sources}).AppliesTo(tt.source); got != tt.want {
			t.Errorf("Watch{Sources: %q}.AppliesTo(%q) = %v, want %v", tt.sources, tt.source, got, tt.want)
		}
	}
}

func TestSourceByName(t *testing.T) {
	c := &Config{Sources: []Source{{Name: "wire"}, {Name: "desk", Line: 7}}}
	if s, ok := c.SourceByName("desk"); !ok || s.Line != 7 {
		t.Errorf("SourceByName(%q) = %+v, %v, want line 7, true", "desk", s, ok)
	}
	if s, ok := c.SourceByName("radio"); ok {
		t.Errorf("SourceByName(%q) = %+v, true, want false", "radio", s)
	}
}

func TestProblemString(t *testing.T) {
	tests := []struct {
		p    Problem
		want string
	}{
		{Problem{"sources[2].links", 14, "required when page is set"}, "sources[2].links (line 14): required when page is set"},
		{Problem{"sources", 0, "required"}, "sources: required"},
		{Problem{"", 3, "invalid YAML: x"}, "line 3: invalid YAML: x"},
		{Problem{"", 0, "invalid YAML: x"}, "invalid YAML: x"},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.p, got, tt.want)
		}
	}
}

// TestValidate checks a Config built in code, as the app's tests build
// them: problems have paths but no lines.
func TestValidate(t *testing.T) {
	ok := &Config{
		Sources: []Source{{Name: "wire", Feed: "https://example.org/rss", Schedule: "@every 5m", MaxAge: time.Hour, Timeout: time.Second}},
		Watches: []Watch{{Name: "w", Keywords: []string{"k"}, Notify: []string{"out"}}},
		Notifiers: []Notifier{{Name: "out", Stdout: &Stdout{}},
			{Name: "mail", Email: &Email{SMTP: "h:25", TLS: "none", From: "a@example.org", To: []string{"b@example.org"}}}},
	}
	if err := ok.Validate(); err != nil {
		t.Fatalf("Validate(valid) = %v", err)
	}
	bad := &Config{
		Sources: []Source{
			{Name: "wire", Feed: "https://example.org/rss", Schedule: "@every 5m", MaxAge: time.Hour, Timeout: time.Second},
			{Name: "wire", Page: "https://example.org/", Links: "a"},
		},
		Watches:   []Watch{{Name: "w", Keywords: []string{"k"}, Notify: []string{"out"}}},
		Notifiers: []Notifier{{Name: "out", Email: &Email{SMTP: "h:25", From: "a@example.org", To: []string{"b@example.org"}}}},
	}
	err := bad.Validate()
	var cerr *Error
	if !errors.As(err, &cerr) {
		t.Fatalf("Validate(invalid) = %v, want an *Error", err)
	}
	want := []Problem{
		{Path: "sources[1].name", Message: `duplicate name "wire" (first at sources[0])`},
		{Path: "sources[1].schedule", Message: "required"},
		{Path: "sources[1].max_age", Message: "must be greater than zero"},
		{Path: "sources[1].timeout", Message: "must be greater than zero"},
		{Path: "notifiers[0].email.tls", Message: "must be starttls, tls or none"},
	}
	if diff := cmp.Diff(want, cerr.Problems); diff != "" {
		t.Errorf("Validate(invalid) problems (-want +got):\n%s", diff)
	}
}
