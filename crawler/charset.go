package crawler

import (
	"bytes"
	"mime"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/unicode"
)

// prescanBytes is how far the HTML encoding-sniffing algorithm looks for a
// <meta charset>.
const prescanBytes = 1024

// decodeHTML returns an HTML body as valid UTF-8. The encoding comes from,
// in order: a byte-order mark; a body that is valid UTF-8 with non-ASCII
// bytes (whatever it declares: in practice that is a UTF-8 page with a stale
// declaration, never real legacy text); the Content-Type charset; a <meta>
// in the first 1024 bytes; windows-1252, the web's default. Bytes invalid in
// the chosen encoding become U+FFFD; decoding never fails.
func decodeHTML(body []byte, contentType string) string {
	if enc, ok := bomEncoding(body); ok {
		return decodeWith(enc, body)
	}
	if isUTF8WithHighBit(body) {
		return string(body)
	}
	enc, _, _ := charset.DetermineEncoding(body[:min(len(body), prescanBytes)], contentType)
	return decodeWith(enc, body)
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
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return utf8.Valid(b)
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
