package crawler

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// Limits on what one listing may make the crawler hold. A body is capped
// at 10 MiB, but the parsers' trees cost far more per byte than the body:
// gofeed keeps every extension element as a map with slices (about 1.5 kB
// for each of 1.4 million nested namespaced elements, 2 GB), and a sitemap
// index multiplies one body by its children (RELIABILITY.md items 31-33).
const (
	// maxListed is how many entries one feed or listing page yields; the
	// rest are dropped unread and counted (Result.Truncated). A real feed
	// names tens, a big one a thousand.
	maxListed = 10_000
	// maxSitemapListed is how many entries one sitemap source yields over
	// its root and all its children: the protocol's limit for one file.
	maxSitemapListed = maxSitemapEntries
	// maxNesting is how deeply the elements of a feed or sitemap (or the
	// values of a JSON feed) may nest. Real documents stay under 20.
	maxNesting = 100
	// maxFeedNodes is how many elements and attributes (JSON values) the
	// part of a feed handed to gofeed may have: its worst shape, chains of
	// nested extension elements, costs about 1 kB each there, so this
	// keeps a feed near 100 MB. A big real feed (1,000 items of 30
	// elements and attributes) has 30,000.
	maxFeedNodes = 100_000
	// maxAttrs is how many attributes one element may have. encoding/xml
	// builds all of an element's attributes before anything can count
	// them (900,000 cost 220 MB), so they are counted on the bytes first
	// (tooManyAttrs). Real elements have a handful.
	maxAttrs = 1000
)

// limitFeed checks a feed (UTF-8, as decodeXML gives it) before gofeed
// parses it, in one streaming pass that holds no tree: more than
// maxNesting levels, or more than maxFeedNodes elements and attributes
// (values, for JSON Feed) in the entries kept, is an error naming the
// limit. Entries past the first limit (maxListed) are cut off: the document is
// returned ending before the first of them, its open elements closed,
// and dropped counts them exactly. data itself is returned, or, when cut,
// overwritten in place. A document the check cannot read (a syntax
// error, an unknown format) is returned as it is: gofeed reads it with
// the same decoder settings and stops at the same error, having seen no
// more than was checked.
func limitFeed(data []byte, limit int) (kept []byte, dropped int, err error) {
	// gofeed detects the format by the first byte after whitespace and
	// byte-order-mark bytes.
	start := bytes.TrimLeft(data, " \r\n\t\xfe\xff\x00\xef\xbb\xbf")
	if len(start) == 0 {
		return data, 0, nil
	}
	switch start[0] {
	case '<':
		return limitXMLFeed(data, limit)
	case '{':
		return limitJSONFeed(data, limit)
	}
	return data, 0, nil
}

// limitXMLFeed is limitFeed for RSS, RDF and Atom. Entries are the
// <item> and <entry> elements under the root or under its <channel>,
// where gofeed looks for them.
func limitXMLFeed(data []byte, limit int) ([]byte, int, error) {
	if tooManyAttrs(data) {
		return nil, 0, errTooManyAttrs
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	// gofeed's own decoder settings: the same tokens and the same errors.
	dec.Strict = false
	dec.CharsetReader = passCharset
	var (
		// open names the open elements as written (prefix:local) for the
		// first three levels, enough to close a document cut before an
		// entry; deeper levels are "".
		open                    []string
		nodes, entries, dropped int
		cut                     = -1
		closers                 string
	)
	for {
		off := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			break // io.EOF, or an error gofeed meets at the same place
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(open) == maxNesting {
				return nil, 0, fmt.Errorf("more than %d levels of nested elements", maxNesting)
			}
			if feedEntry(t.Name.Local, open) {
				entries++
				if entries > limit {
					if cut < 0 {
						cut, closers = int(off), closeTags(open)
					}
					dropped++
				}
			}
			name := ""
			if len(open) < 3 {
				name = rawName(data, int(off), t.Name)
			}
			open = append(open, name)
			if cut < 0 {
				nodes += 1 + len(t.Attr)
				if nodes > maxFeedNodes {
					return nil, 0, fmt.Errorf("more than %d elements and attributes", maxFeedNodes)
				}
			}
		case xml.EndElement:
			if len(open) > 0 {
				open = open[:len(open)-1]
			}
		}
	}
	if cut < 0 {
		return data, 0, nil
	}
	return append(data[:cut], closers...), dropped, nil
}

var errTooManyAttrs = fmt.Errorf("more than %d attributes on one element", maxAttrs)

// tooManyAttrs reports whether a tag in data has more than maxAttrs
// attributes, by counting the words (outside quoted values) between its
// name and its '>': a word per attribute, or up to three for name = "value"
// spaced out, never fewer than encoding/xml makes attributes, even of
// words without a value, which its non-strict mode accepts. Comments,
// CDATA sections, processing instructions and declarations are skipped.
func tooManyAttrs(data []byte) bool {
	skip := func(i int, end string) int {
		if j := bytes.Index(data[i:], []byte(end)); j >= 0 {
			return i + j + len(end)
		}
		return len(data)
	}
	for i := 0; i < len(data); {
		j := bytes.IndexByte(data[i:], '<')
		if j < 0 {
			return false
		}
		i += j
		switch rest := data[i:]; {
		case bytes.HasPrefix(rest, []byte("<!--")):
			i = skip(i+4, "-->")
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			i = skip(i+9, "]]>")
		case bytes.HasPrefix(rest, []byte("<?")):
			i = skip(i+2, "?>")
		case bytes.HasPrefix(rest, []byte("<!")):
			i = skip(i+2, ">")
		default:
			words, space, quote := 0, false, byte(0)
			for i++; i < len(data); i++ {
				c := data[i]
				if quote != 0 {
					if c == quote {
						quote = 0
					}
					continue
				}
				if c == '>' {
					break
				}
				switch c {
				case ' ', '\t', '\r', '\n':
					space = true
					continue
				case '"', '\'':
					quote = c
				}
				if space {
					space = false
					if words++; words > maxAttrs {
						return true
					}
				}
			}
		}
	}
	return false
}

// passCharset is the decoders' CharsetReader: decodeXML already produced
// UTF-8 and rewrote the declaration.
func passCharset(_ string, r io.Reader) (io.Reader, error) { return r, nil }

// feedEntry reports whether an element named local, under the open
// elements, is a feed entry: an item or entry of the root or of the
// root's channel. gofeed matches these names case-insensitively.
func feedEntry(local string, open []string) bool {
	if !strings.EqualFold(local, "item") && !strings.EqualFold(local, "entry") {
		return false
	}
	switch len(open) {
	case 1:
		return true
	case 2:
		_, parent, found := strings.Cut(open[1], ":")
		if !found {
			parent = open[1]
		}
		return strings.EqualFold(parent, "channel")
	}
	return false
}

// rawName returns the name of the start tag at data[off:] as written,
// prefix included: a closing tag must repeat the prefix, which Token has
// already replaced by the namespace.
func rawName(data []byte, off int, name xml.Name) string {
	if off < 0 || off >= len(data) || data[off] != '<' {
		return name.Local
	}
	rest := data[off+1:]
	end := bytes.IndexAny(rest, " \t\r\n/>")
	if end <= 0 {
		return name.Local
	}
	return string(rest[:end])
}

// closeTags returns the end tags closing open, innermost first.
func closeTags(open []string) string {
	var b strings.Builder
	for i := len(open) - 1; i >= 0; i-- {
		b.WriteString("</" + open[i] + ">")
	}
	return b.String()
}

// limitJSONFeed is limitFeed for JSON Feed: entries are the values of the
// top-level "items" array (encoding/json matches keys case-insensitively,
// and so does this).
func limitJSONFeed(data []byte, limit int) ([]byte, int, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	type frame struct {
		object  bool // an object; else an array
		wantKey bool // the next token of this object is a key
		items   bool // the top-level "items" array
	}
	var (
		stack                    []frame
		key                      string // the last key of the top-level object
		values, entries, dropped int
		cut                      = -1
		closers                  []byte
	)
	for {
		off := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			break // io.EOF, or an error gofeed's json.Unmarshal meets too
		}
		d, delim := tok.(json.Delim)
		switch n := len(stack); {
		case delim && (d == '}' || d == ']'):
			stack = stack[:n-1]
		case n > 0 && stack[n-1].wantKey:
			stack[n-1].wantKey = false
			if n == 1 {
				key, _ = tok.(string)
			}
			continue
		default: // a value
			if n == 2 && stack[1].items {
				entries++
				if entries > limit {
					if cut < 0 {
						cut = int(off)
						for i := n - 1; i >= 0; i-- {
							closers = append(closers, "]}"[btoi(stack[i].object)])
						}
					}
					dropped++
				}
			}
			if cut < 0 {
				values++
				if values > maxFeedNodes {
					return nil, 0, fmt.Errorf("more than %d JSON values", maxFeedNodes)
				}
			}
			if delim { // '{' or '['
				if n == maxNesting {
					return nil, 0, fmt.Errorf("more than %d levels of nested values", maxNesting)
				}
				stack = append(stack, frame{object: d == '{', wantKey: d == '{',
					items: d == '[' && n == 1 && stack[0].object && strings.EqualFold(key, "items")})
				continue
			}
		}
		if len(stack) == 0 {
			break // the feed's one value is complete
		}
		if top := &stack[len(stack)-1]; top.object {
			top.wantKey = true
		}
	}
	if cut < 0 {
		return data, 0, nil
	}
	return append(data[:cut], closers...), dropped, nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
