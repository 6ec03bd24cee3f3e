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
	// pad is 1,600 bytes of ASCII head matter: a <meta> after it is past
	// the 1024-byte prescan.
	pad := "<html><head>" + strings.Repeat(`<link rel="preload" href="/a.js" as="script">`, 35)
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
		{"meta charset after 1024 bytes", encode1256(t, pad+`<meta charset="windows-1256"></head><body><p>`+arabic), "text/html", arabic},
		{"http-equiv after 1024 bytes", encode1256(t, pad+`<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset='Windows-1256'"><body><p>`+arabic), "text/html", arabic},
		{"late meta, first one wins", encode1256(t, pad+`<meta charset="windows-1256"><meta charset="koi8-r"><body><p>`+arabic), "", arabic},
		{"late meta inside a script is not a meta", encode1256(t, pad+`<script>document.write('<meta charset="koi8-r">')</script><meta charset="windows-1256"><body><p>`+arabic), "", arabic},
		{"late utf-16 label means utf-8", []byte(pad + `<meta charset="utf-16le"><body><p>caf` + "\xc3\xa9\xff"), "", "caf\u00e9\uFFFD"},
		{"header beats late meta", encode1256(t, pad+`<meta charset="koi8-r"><body><p>`+arabic), "text/html; charset=windows-1256", arabic},
		{"prescan meta beats late meta", []byte(`<meta charset="iso-8859-1">` + pad + `<meta charset="windows-1256"><body><p>caf` + "\xe9"), "", "café"},
		{"meta in the body does not re-decode", []byte(pad + `</head><body><p>caf` + "\xe9" + `</p><meta charset="windows-1256">`), "", "café"},
		{"meta past 64 KiB ignored", []byte(pad + strings.Repeat("<!-- padding -->", 4200) + `<meta charset="windows-1256"><body><p>caf` + "\xe9"), "", "café"},
	}
	for _, tt := range tests {
		got := decodeHTML(tt.body, tt.contentType)
		if !strings.Contains(got, tt.want) || !isValidUTF8(got) || strings.HasPrefix(got, "\uFEFF") {
			t.Errorf("decodeHTML(%s) = %q, want valid UTF-8 containing %q", tt.name, got, tt.want)
		}
	}
}

func TestMetaContentCharset(t *testing.T) {
	tests := []struct{ content, want string }{
		{"text/html; charset=windows-1251", "windows-1251"},
		{"text/html;charset=GBK", "gbk"},
		{"charset=koi8-r", "koi8-r"},
		{`text/html; charset="windows-1256"`, "windows-1256"},
		{"text/html; charset='big5' ; x=y", "big5"},
		{"text/html; charset = euc-kr", "euc-kr"},
		{"text/html; charsetx charset=shift_jis", "shift_jis"},
		{`text/html; charset="unterminated`, ""},
		{"text/html", ""},
		{"text/html; charset", ""},
		{"text/html; charset=", ""},
	}
	for _, tt := range tests {
		if got := metaContentCharset(tt.content); got != tt.want {
			t.Errorf("metaContentCharset(%q) = %q, want %q", tt.content, got, tt.want)
		}
	}
}

func FuzzMetaContentCharset(f *testing.F) {
	for _, s := range []string{"text/html; charset=gbk", `charset="x`, "charset='a' charset=b", "CHARSET =\tutf-8;"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, content string) {
		got := metaContentCharset(content)
		if !strings.Contains(strings.ToLower(content), got) {
			t.Errorf("metaContentCharset(%q) = %q, not a part of the value", content, got)
		}
		// An unquoted label ends at white space or ';'; only a quoted one
		// may hold them.
		if strings.ContainsAny(got, "; \t\n\f\r") && !strings.ContainsAny(content, `"'`) {
			t.Errorf("metaContentCharset(%q) = %q, want a bare label", content, got)
		}
	})
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
