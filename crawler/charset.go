package crawler

import (
	"bytes"
	"mime"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// prescanBytes is how far the HTML encoding-sniffing algorithm looks for a
// <meta charset>.
const prescanBytes = 1024

// lateMetaBytes bounds the search for a <meta charset> past the prescan
// (see lateMetaEncoding): enough for the longest real <head> full of
// scripts and preload links, small enough that a huge body costs nothing.
const lateMetaBytes = 64 << 10

// decodeHTML returns an HTML body as valid UTF-8. The encoding comes from,
// in order: a byte-order mark; a body that is valid UTF-8 with non-ASCII
// bytes (whatever it declares: in practice that is a UTF-8 page with a stale
// declaration, never real legacy text); the Content-Type charset; a <meta>
// in the first 1024 bytes; a <meta> later in the <head> (what browsers do,
// see lateMetaEncoding); windows-1252, the web's default. Bytes invalid in
// the chosen encoding become U+FFFD; decoding never fails.
func decodeHTML(body []byte, contentType string) string {
	if enc, ok := bomEncoding(body); ok {
		return decodeWith(enc, body)
	}
	if isUTF8WithHighBit(body) {
		return string(body)
	}
	enc, name, certain := charset.DetermineEncoding(body[:min(len(body), prescanBytes)], contentType)
	// windows-1252 without certainty is either the default (nothing
	// declared in the first 1024 bytes) or a <meta> there naming it; the
	// late scan finds that same first <meta> again, so it cannot override
	// it. Only bodies with non-ASCII bytes are worth the scan: ASCII reads
	// the same in every encoding the fallback could pick.
	if !certain && name == "windows-1252" && hasHighBit(body) {
		if late := lateMetaEncoding(body[:min(len(body), lateMetaBytes)]); late != nil {
			enc = late
		}
	}
	return decodeWith(enc, body)
}

// lateMetaEncoding returns the encoding named by the first charset <meta>
// (charset="…", or http-equiv="content-type" with content="…charset=…")
// before <body>, or nil. It mirrors the HTML Standard's "change the
// encoding" (§13.2.3.4): while the encoding is only the tentative default,
// the tree builder that meets such a <meta> re-decodes the page with it.
// Pages that put a long run of scripts and link tags before their <meta>
// rely on that; the 1024-byte prescan alone reads them as windows-1252.
// The scan stops at <body> so that markup quoted inside an article can
// never re-decode the page.
func lateMetaEncoding(head []byte) encoding.Encoding {
	z := html.NewTokenizer(bytes.NewReader(head))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return nil
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			switch string(name) {
			case "body":
				return nil
			case "meta":
				if enc := metaTagEncoding(z, hasAttr); enc != nil {
					return enc
				}
			}
		}
	}
}

// metaTagEncoding reads the attributes of the <meta> the tokenizer is on,
// with the rules of the HTML prescan: charset= wins; content= counts only
// with http-equiv="content-type"; the first of a repeated attribute counts.
func metaTagEncoding(z *html.Tokenizer, hasAttr bool) encoding.Encoding {
	var charsetAttr, content string
	var gotCharset, gotContent, pragma bool
	for hasAttr {
		var key, val []byte
		key, val, hasAttr = z.TagAttr()
		switch string(key) {
		case "charset":
			if !gotCharset {
				charsetAttr, gotCharset = string(val), true
			}
		case "content":
			if !gotContent {
				content, gotContent = string(val), true
			}
		case "http-equiv":
			pragma = pragma || strings.EqualFold(string(val), "content-type")
		}
	}
	label := ""
	switch {
	case gotCharset:
		label = charsetAttr
	case pragma && gotContent:
		label = metaContentCharset(content)
	}
	enc, name := charset.Lookup(strings.TrimSpace(label))
	switch {
	case enc == nil:
		return nil
	case strings.HasPrefix(name, "utf-16"):
		// A page that was UTF-16 would have been read as such from its
		// BOM; bytes that parsed as ASCII tags are not UTF-16.
		return unicode.UTF8
	case name == "x-user-defined":
		return charmap.Windows1252
	}
	return enc
}

// metaContentCharset extracts the label from a <meta content> value such
// as "text/html; charset=windows-1251" with the HTML Standard's lenient
// algorithm (no media type required, optional quotes), where a strict
// mime.ParseMediaType would reject what browsers accept.
func metaContentCharset(content string) string {
	lower := strings.ToLower(content)
	for i := 0; ; {
		j := strings.Index(lower[i:], "charset")
		if j < 0 {
			return ""
		}
		rest := strings.TrimLeft(lower[i+j+len("charset"):], " \t\n\f\r")
		if !strings.HasPrefix(rest, "=") {
			i += j + len("charset")
			continue
		}
		rest = strings.TrimLeft(rest[1:], " \t\n\f\r")
		if rest != "" && (rest[0] == '"' || rest[0] == '\'') {
			end := strings.IndexByte(rest[1:], rest[0])
			if end < 0 {
				return ""
			}
			return rest[1 : 1+end]
		}
		end := strings.IndexAny(rest, " \t\n\f\r;")
		if end < 0 {
			return rest
		}
		return rest[:end]
	}
}

// decodeXML returns an XML (or JSON) body as valid UTF-8 and rewrites the
// XML declaration to say so, so that parsers downstream do not decode a
// second time. The encoding comes from a byte-order mark, a valid UTF-8
// body with non-ASCII bytes, the Content-Type charset, the XML declaration
// (<?xml ... encoding="windows-1256"?>), and finally UTF-8, XML's default.
func decodeXML(body []byte, contentType string) []byte {
	var out string
	switch enc, ok := bomEncoding(body); {
	case ok:
		out = decodeWith(enc, body)
	case isUTF8WithHighBit(body):
		out = string(body)
	default:
		enc := lookupEncoding(contentTypeCharset(contentType))
		if enc == nil {
			enc = lookupEncoding(prologEncoding(body))
		}
		if enc == nil {
			enc = encoding.Nop
		}
		out = decodeWith(enc, body)
	}
	return []byte(rewriteProlog(out))
}

func decodeWith(enc encoding.Encoding, body []byte) string {
	s := string(body)
	if enc != encoding.Nop && enc != unicode.UTF8 {
		if b, err := enc.NewDecoder().Bytes(body); err == nil {
			s = string(b)
		}
	}
	s = strings.TrimPrefix(s, "\uFEFF")
	return strings.ToValidUTF8(s, "\uFFFD")
}

func bomEncoding(b []byte) (encoding.Encoding, bool) {
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		return unicode.UTF8, true
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		return unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM), true
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		return unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM), true
	}
	return nil, false
}

func isUTF8WithHighBit(b []byte) bool {
	return hasHighBit(b) && utf8.Valid(b)
}

func hasHighBit(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

func contentTypeCharset(contentType string) string {
	if contentType == "" {
		return ""
	}
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	return params["charset"]
}

// lookupEncoding maps a charset label (WHATWG names and aliases) to an
// encoding; nil when the label is empty or unknown.
func lookupEncoding(label string) encoding.Encoding {
	if label == "" {
		return nil
	}
	enc, _ := charset.Lookup(label)
	return enc
}

var (
	prologRE   = regexp.MustCompile(`^\s*<\?xml\s[^>]*?\?>`)
	encodingRE = regexp.MustCompile(`\sencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']`)
)

// prologEncoding returns the encoding named in an XML declaration.
func prologEncoding(body []byte) string {
	decl := prologRE.Find(body[:min(len(body), prescanBytes)])
	if decl == nil {
		return ""
	}
	m := encodingRE.FindSubmatch(decl)
	if m == nil {
		return ""
	}
	return string(m[1])
}

// rewriteProlog makes an XML declaration claim UTF-8, which is what the
// text now is.
func rewriteProlog(s string) string {
	loc := prologRE.FindStringIndex(s[:min(len(s), prescanBytes)])
	if loc == nil {
		return s
	}
	decl := s[loc[0]:loc[1]]
	fixed := encodingRE.ReplaceAllString(decl, ` encoding="UTF-8"`)
	return s[:loc[0]] + fixed + s[loc[1]:]
}
