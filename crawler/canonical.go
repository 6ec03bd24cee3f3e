package crawler

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// trackingParams are query parameters that identify a campaign, a click or
// a reader, never the article: two URLs that differ only in them are the
// same article. Compared case-insensitively, after unescaping.
var trackingParams = map[string]bool{
	"fbclid": true, "gclid": true, "gclsrc": true, "dclid": true, "gbraid": true, "wbraid": true,
	"msclkid": true, "yclid": true, "twclid": true, "ttclid": true, "li_fat_id": true,
	"mc_cid": true, "mc_eid": true, "mkt_tok": true, "igshid": true, "igsh": true,
	"_ga": true, "_gl": true, "_hsenc": true, "_hsmi": true, "__hstc": true, "__hssc": true,
	"__hsfp": true, "hsctatrack": true, "_openstat": true, "oly_anon_id": true, "oly_enc_id": true,
	"rb_clickid": true, "s_cid": true, "vero_conv": true, "vero_id": true, "wickedid": true,
	"ref_src": true, "ref_url": true, "cmpid": true, "at_medium": true, "at_campaign": true,
	"fb_action_ids": true, "fb_action_types": true, "fb_ref": true, "fb_source": true,
	"ncid": true, "sr_share": true, "spm": true, "srsltid": true,
	"pk_campaign": true, "pk_kwd": true, "pk_source": true, "pk_medium": true, "pk_content": true,
	"ga_source": true, "ga_medium": true, "ga_term": true, "ga_content": true, "ga_campaign": true,
	"ga_place": true,
}

// trackingPrefixes catch whole families: Google Analytics (utm_) and
// Matomo (mtm_) campaign parameters.
var trackingPrefixes = []string{"utm_", "mtm_"}

func isTrackingParam(key string) bool {
	key = strings.ToLower(key)
	if trackingParams[key] {
		return true
	}
	for _, p := range trackingPrefixes {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

// Canonicalize returns the form of an absolute http(s) URL that identifies
// an article: scheme and host lower-cased, default port, user info and
// fragment dropped, tracking parameters (utm_*, fbclid, gclid, ...)
// removed, the remaining parameters sorted by name (values of a repeated
// name keep their order), the path kept byte for byte except that an empty
// path becomes "/". It is pure and idempotent.
func Canonicalize(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		// *url.Error would quote the whole URL, user info included.
		return "", fmt.Errorf("canonicalize: %w", unwrapURLError(err))
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("canonicalize %s: not an http(s) URL", redact(u.String()))
	}
	if u.Opaque != "" {
		return "", fmt.Errorf("canonicalize %s: opaque URL", redact(u.String()))
	}
	host, port := strings.TrimRight(strings.ToLower(u.Hostname()), "."), u.Port()
	if host == "" {
		return "", fmt.Errorf("canonicalize %s: no host", redact(u.String()))
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port == "" || (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		u.Host = host
	} else {
		u.Host = host + ":" + port
	}
	u.User = nil
	u.Fragment, u.RawFragment = "", ""
	u.RawQuery = cleanQuery(u.RawQuery)
	u.ForceQuery = false
	if u.Path == "" && u.RawPath == "" {
		u.Path = "/"
	}
	out := u.String()
	// url.String re-escapes; make sure the result parses back to itself so
	// the key is stable when canonicalised again.
	if _, err := url.Parse(out); err != nil {
		return "", fmt.Errorf("canonicalize %s: %w", redact(u.String()), unwrapURLError(err))
	}
	return out, nil
}

// cleanQuery drops tracking parameters and sorts the rest by name, working
// on the raw pairs so that the escaping of kept values is untouched.
func cleanQuery(raw string) string {
	if raw == "" {
		return ""
	}
	type pair struct{ key, raw string }
	var kept []pair
	for _, p := range strings.Split(raw, "&") {
		if p == "" {
			continue
		}
		// Escape first so that the sort key is the same when the result
		// is canonicalised again.
		p = escapeQueryBytes(p)
		k, _, _ := strings.Cut(p, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			key = k
		}
		if isTrackingParam(key) {
			continue
		}
		kept = append(kept, pair{key, p})
	}
	slices.SortStableFunc(kept, func(a, b pair) int { return strings.Compare(a.key, b.key) })
	parts := make([]string, len(kept))
	for i, p := range kept {
		parts[i] = p.raw
	}
	return strings.Join(parts, "&")
}

// escapeQueryBytes percent-encodes the bytes a browser would encode in a
// query (spaces, controls, non-ASCII, quotes, angle brackets...), leaving
// existing escapes and everything else alone, so the result reparses to
// itself.
func escapeQueryBytes(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("\"<>\\^`{|}", c) >= 0 {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// sameSite reports whether two absolute URLs are on the same site: the same
// host once a leading "www." is ignored.
func sameSite(a, b *url.URL) bool {
	ha := strings.TrimPrefix(strings.ToLower(strings.TrimSuffix(a.Hostname(), ".")), "www.")
	hb := strings.TrimPrefix(strings.ToLower(strings.TrimSuffix(b.Hostname(), ".")), "www.")
	return ha != "" && ha == hb
}
