package news

import (
	"net/url"
	"strings"
)

// Redacted is what RedactURL writes in place of a credential parameter's
// value. It is plain ASCII so it needs no escaping in a URL.
const Redacted = "REDACTED"

// credentialParams are query (and fragment) parameter names whose value is
// a credential, compared after folding case and dropping '-' and '_', so
// "apiKey", "API-KEY" and "api_key" are one name.
var credentialParams = map[string]bool{
	"apikey": true, "key": true, "token": true, "accesstoken": true, "auth": true,
	"authorization": true, "password": true, "passwd": true, "pwd": true, "pass": true,
	"secret": true, "clientsecret": true, "signature": true, "sig": true,
	"sessionid": true, "session": true, "credential": true, "credentials": true,
	// Signed-URL schemes: AWS S3 and Google Cloud Storage.
	"xamzcredential": true, "xamzsecuritytoken": true, "xgoogcredential": true,
}

// credentialSuffixes catch names built on the same words: feed_token,
// private_token, app_secret, x-amz-signature, db_password, rss_apikey.
var credentialSuffixes = []string{"token", "secret", "password", "passwd", "apikey", "signature"}

// IsCredentialParam reports whether a URL parameter of this name carries
// a credential (case-insensitive; '-' and '_' ignored): apikey, api_key,
// key, token, access_token, auth, password, passwd, pwd, secret,
// client_secret, signature, sig, session ids, signed-URL credentials, and
// any name ending in token, secret, password, passwd, apikey or signature.
func IsCredentialParam(name string) bool {
	n := strings.ToLower(strings.NewReplacer("-", "", "_", "").Replace(name))
	if credentialParams[n] {
		return true
	}
	for _, s := range credentialSuffixes {
		if strings.HasSuffix(n, s) {
			return true
		}
	}
	return false
}

// RedactURL is the one way a configured URL (a source's feed, page or
// sitemap) is shown or stored outside the config: without its user
// information (user:password@) and with the value of every credential
// parameter of its query and fragment (see IsCredentialParam) replaced
// by Redacted, the parameter name kept so the operator still sees which
// URL it is. Other parameters, their order and their encoding are kept
// as written. A string that does not parse as a URL is replaced whole by
// "(unparsable URL)", since no part of it can be trusted to be harmless.
func RedactURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User = nil
	u.RawQuery = redactParams(u.RawQuery)
	if strings.Contains(u.Fragment, "=") {
		// OAuth's implicit flow puts access_token in the fragment.
		frag := redactParams(u.EscapedFragment())
		if f, err := url.PathUnescape(frag); err == nil {
			u.Fragment, u.RawFragment = f, frag
		}
	}
	return u.String()
}

// redactParams masks the credential values of an encoded query, leaving
// every other byte as it was.
func redactParams(q string) string {
	if q == "" {
		return q
	}
	parts := strings.Split(q, "&")
	for i, p := range parts {
		k, _, hasValue := strings.Cut(p, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			name = k
		}
		if hasValue && IsCredentialParam(name) {
			parts[i] = k + "=" + Redacted
		}
	}
	return strings.Join(parts, "&")
}

// RedactURLsIn applies RedactURL to every http(s) URL inside free text,
// such as an error message stored or shown for a source: a URL runs from
// "http://" or "https://" to the next space or quote, and punctuation
// that ends a sentence or a clause after it (":", ",", ";", ".", ")")
// stays outside it.
func RedactURLsIn(s string) string {
	var b strings.Builder
	for {
		i := urlStart(s)
		if i < 0 {
			if b.Len() == 0 {
				return s
			}
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		s = s[i:]
		end := strings.IndexAny(s, " \t\r\n\"'<>`")
		if end < 0 {
			end = len(s)
		}
		tok := strings.TrimRight(s[:end], ":,;.)]}")
		b.WriteString(RedactURL(tok))
		s = s[len(tok):]
	}
}

// urlStart is the index of the first "http://" or "https://" in s (any
// case), or -1.
func urlStart(s string) int {
	l := strings.ToLower(s)
	i, j := strings.Index(l, "http://"), strings.Index(l, "https://")
	switch {
	case i < 0:
		return j
	case j < 0:
		return i
	}
	return min(i, j)
}
