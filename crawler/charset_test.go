package crawler

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

func encode1256(t testing.TB, s string) []byte {
	t.Helper()
	b, err := charmap.Windows1256.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeHTML(t *testing.T) {
	const arabic = "مخيم الهول"
	utf16, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte("<p>" + arabic + "</p>"))
	longASCIIHead := "<html><head>" + strings.Repeat("<!-- padding -->", 100) + "</head><body>café</body></html>"
	tests := []struct {
		name        string
		body        []byte
		contentType string
		want        string // substring of the decoded text
	}{
		{"meta charset", encode1256(t, `<meta charset="windows-1256"><p>`+arabic), "text/html", arabic},
		{"http-equiv", encode1256(t, `<meta http-equiv="content-type" content="text/html; charset=windows-1256"><p>`+arabic), "", arabic},
		{"header", encode1256(t, "<p>"+arabic), "text/html; charset=windows-1256", arabic},
		{"header beats meta", encode1256(t, `<meta charset="iso-8859-1"><p>`+arabic), "text/html; charset=windows-1256", arabic},
		{"utf-8 bom", append([]byte{0xEF, 0xBB, 0xBF}, "<p>"+arabic...), "text/html; charset=windows-1256", arabic},
		{"utf-16 bom", utf16, "", arabic},
		{"utf-8 past the first 1024 bytes", []byte(longASCIIHead), "text/html", "café"},
		{"stale latin-1 header on utf-8", []byte("<p>café</p>"), "text/html; charset=iso-8859-1", "café"},
		{"no declaration, legacy bytes", []byte("<p>caf\xe9</p>"), "text/html", "café"},
		{"declared utf-8, invalid bytes", []byte("<p>caf\xff\xfe</p>"), "text/html; charset=utf-8", "caf\uFFFD"},
		{"unknown label", []byte("<p>plain</p>"), "text/html; charset=x-nonsense", "plain"},
	}
	for _, tt := range tests {
		got := decodeHTML(tt.body, tt.contentType)
		if !strings.Contains(got, tt.want) || !isValidUTF8(got) || strings.HasPrefix(got, "\uFEFF") {
			t.Errorf("decodeHTML(%s) = %q, want valid UTF-8 containing %q", tt.name, got, tt.want)
		}
	}
}

func TestDecodeXML(t *testing.T) {
	const arabic = "مخيم الهول"
	tests := []struct {
		name        string
		body        []byte
		contentType string
		want        string // the whole decoded document
	}{
		{"prolog", encode1256(t, `<?xml version="1.0" encoding="windows-1256"?><t>`+arabic+`</t>`), "application/xml",
			`<?xml version="1.0" encoding="UTF-8"?><t>` + arabic + `</t>`},
		{"prolog single quotes", encode1256(t, `<?xml version='1.0' encoding='windows-1256' standalone='yes'?><t>`+arabic+`</t>`), "",
			`<?xml version='1.0' encoding="UTF-8" standalone='yes'?><t>` + arabic + `</t>`},
		{"header", encode1256(t, `<?xml version="1.0"?><t>`+arabic+`</t>`), "text/xml; charset=windows-1256",
			`<?xml version="1.0"?><t>` + arabic + `</t>`},
		{"header beats prolog", encode1256(t, `<?xml version="1.0" encoding="iso-8859-1"?><t>`+arabic+`</t>`), "text/xml; charset=windows-1256",
			`<?xml version="1.0" encoding="UTF-8"?><t>` + arabic + `</t>`},
		{"utf-8 default", []byte(`<t>café</t>`), "", `<t>café</t>`},
		{"invalid utf-8", []byte("<t>caf\xff</t>"), "", "<t>caf\uFFFD</t>"},
		{"bom", []byte("\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"utf-8\"?><t/>"), "", `<?xml version="1.0" encoding="UTF-8"?><t/>`},
		{"json", []byte(`{"title":"café"}`), "application/feed+json", `{"title":"café"}`},
	}
	for _, tt := range tests {
		if got := string(decodeXML(tt.body, tt.contentType)); got != tt.want {
			t.Errorf("decodeXML(%s) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func FuzzDecodeXML(f *testing.F) {
	f.Add([]byte(`<?xml version="1.0" encoding="windows-1256"?><t>`+"\xc7\xe1"+`</t>`), "")
	f.Add([]byte("\xfe\xff\x00<"), "text/xml; charset=utf-16")
	f.Add([]byte(`<?xml encoding="x"?>`), "text/xml; charset=\"gbk\"")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		out := decodeXML(body, contentType)
		if !isValidUTF8(string(out)) {
			t.Errorf("decodeXML(%q, %q) = %q, not valid UTF-8", body, contentType, out)
		}
		if enc := prologEncoding(out); enc != "" && enc != "UTF-8" {
			t.Errorf("decodeXML(%q) declares encoding %q after decoding", body, enc)
		}
		if html := decodeHTML(body, contentType); !isValidUTF8(html) {
			t.Errorf("decodeHTML(%q, %q) = %q, not valid UTF-8", body, contentType, html)
		}
		if bytes.HasPrefix(out, []byte("\uFEFF")) {
			t.Errorf("decodeXML(%q) kept the BOM", body)
		}
	})
}
