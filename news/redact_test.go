package news

import (
	"strings"
	"testing"
)

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"https://news.example/feed.xml", "https://news.example/feed.xml"},
		{"https://news.example/feed.xml?lang=en&page=2", "https://news.example/feed.xml?lang=en&page=2"},
		{"http://user:pass@news.example/feed.xml", "http://news.example/feed.xml"},
		{"http://user@news.example/feed.xml", "http://news.example/feed.xml"},
		{"http://user:pass@news.example:8080/feed.xml?apikey=SECRET&lang=en",
			"http://news.example:8080/feed.xml?apikey=REDACTED&lang=en"},
		{"https://n.example/f?lang=en&API_KEY=SECRET", "https://n.example/f?lang=en&API_KEY=REDACTED"},
		{"https://n.example/f?Api-Key=SECRET", "https://n.example/f?Api-Key=REDACTED"},
		{"https://n.example/f?key=a&token=b&access_token=c&auth=d&password=e&passwd=f&pwd=g&secret=h&signature=i&sig=j&client_secret=k",
			"https://n.example/f?key=REDACTED&token=REDACTED&access_token=REDACTED&auth=REDACTED&password=REDACTED&passwd=REDACTED&pwd=REDACTED&secret=REDACTED&signature=REDACTED&sig=REDACTED&client_secret=REDACTED"},
		{"https://gitlab.example/feed.atom?feed_token=SECRET&private_token=SECRET2",
			"https://gitlab.example/feed.atom?feed_token=REDACTED&private_token=REDACTED"},
		{"https://s3.example/b/o?X-Amz-Credential=AK%2F1&X-Amz-Signature=ff&X-Amz-Expires=60",
			"https://s3.example/b/o?X-Amz-Credential=REDACTED&X-Amz-Signature=REDACTED&X-Amz-Expires=60"},
		{"https://n.example/f?to%6Ben=SECRET", "https://n.example/f?to%6Ben=REDACTED"}, // escaped name
		{"https://n.example/f?token=a,b&token=c", "https://n.example/f?token=REDACTED&token=REDACTED"},
		{"https://n.example/f?monkey=1&keyword=x&tokens=2", "https://n.example/f?monkey=1&keyword=x&tokens=2"},
		{"https://n.example/cb#access_token=SECRET&state=1", "https://n.example/cb#access_token=REDACTED&state=1"},
		{"https://n.example/a#section-2", "https://n.example/a#section-2"},
		{"http://[::1", "(unparsable URL)"},
		{"http://user:p%zz@n.example/", "(unparsable URL)"},
	}
	for _, tt := range tests {
		if got := RedactURL(tt.in); got != tt.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestRedactURLNoSecretLeft: whatever the shape, the credentials of a
// hostile URL never survive RedactURL.
func TestRedactURLNoSecretLeft(t *testing.T) {
	for _, in := range []string{
		"http://u:SECRET@h.example/f?apikey=SECRET",
		"http://SECRET@h.example/f",
		"http://u:SECRET@h.example/f?%61pikey=SECRET",
		"http://h.example/f?a=1&Token=SECRET#x",
		"http://h.example/f?api_key=SECRET;x=1",
	} {
		if got := RedactURL(in); strings.Contains(got, "SECRET") {
			t.Errorf("RedactURL(%q) = %q, still holds the secret", in, got)
		}
	}
}

func TestIsCredentialParam(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"apikey", true}, {"APIKEY", true}, {"api_key", true}, {"api-key", true}, {"key", true},
		{"token", true}, {"access_token", true}, {"feed_token", true}, {"auth", true},
		{"client_secret", true}, {"sig", true}, {"X-Amz-Signature", true},
		{"lang", false}, {"page", false}, {"keyword", false}, {"monkey", false}, {"q", false},
	}
	for _, tt := range tests {
		if got := IsCredentialParam(tt.name); got != tt.want {
			t.Errorf("IsCredentialParam(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestRedactURLsIn(t *testing.T) {
	tests := []struct{ in, want string }{
		{"connection refused", "connection refused"},
		{"fetch http://u:pass@h.example/feed.xml?apikey=SECRET: http status 500",
			"fetch http://h.example/feed.xml?apikey=REDACTED: http status 500"},
		{"redirect loop at HTTPS://h.example/f?token=SECRET, then https://u:pw@g.example/x.",
			"redirect loop at https://h.example/f?token=REDACTED, then https://g.example/x."},
		{`get "http://h.example/?sig=abc"`, `get "http://h.example/?sig=REDACTED"`},
	}
	for _, tt := range tests {
		if got := RedactURLsIn(tt.in); got != tt.want {
			t.Errorf("RedactURLsIn(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
