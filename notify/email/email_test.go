package email

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/newshound/newshound/notify/notifytest"
)

func fixedNow() time.Time { return time.Date(2026, 11, 25, 10, 0, 5, 0, time.UTC) }

const password = notifytest.SentinelSecret

func baseConfig(addr string) Config {
	return Config{
		Addr: addr, TLS: TLSNone,
		Username: "newshound", Password: password,
		From: "newshound <alerts@newshound.example>",
		To:   []string{"desk@news.example", "Night Editor <night@news.example>"},
	}
}

func newNotifier(t *testing.T, cfg Config, opts ...Option) *Notifier {
	t.Helper()
	n, err := New(cfg, append([]Option{WithNow(fixedNow), WithTimeout(5 * time.Second)}, opts...)...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return n
}

// parsed is a received message split into what the tests check.
type parsed struct {
	header      mail.Header
	subject     string
	text, html  string
	partTypes   []string
	contentType string
}

func parse(t *testing.T, data []byte) parsed {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("received message does not parse: %v\n%s", err, data)
	}
	p := parsed{header: msg.Header}
	if p.subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil {
		t.Fatalf("decode Subject %q: %v", msg.Header.Get("Subject"), err)
	}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatalf("Content-Type: %v", err)
	}
	p.contentType = mediaType
	if mediaType != "multipart/alternative" {
		return p
	}
	r := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := r.NextPart() // decodes quoted-printable
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("read part: %v", err)
		}
		body, err := io.ReadAll(part)
		if err != nil {
			t.Fatalf("read part body: %v", err)
		}
		ct, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		p.partTypes = append(p.partTypes, ct)
		switch ct {
		case "text/plain":
			p.text = string(body)
		case "text/html":
			p.html = string(body)
		}
	}
	return p
}

func TestNotifyDelivers(t *testing.T) {
	be := &backend{user: "newshound", pass: password}
	addr := serve(t, be, nil, false)
	a := notifytest.SampleAlert()
	if retryable, err := newNotifier(t, baseConfig(addr)).Notify(context.Background(), a); err != nil {
		t.Fatalf("Notify = %v (retryable %v), want delivered", err, retryable)
	}
	got := be.deliveries()
	if len(got) != 1 {
		t.Fatalf("server received %d messages, want 1", len(got))
	}
	d := got[0]
	if d.user != "newshound" {
		t.Errorf("authenticated user = %q, want newshound", d.user)
	}
	if d.from != "alerts@newshound.example" {
		t.Errorf("MAIL FROM = %q, want alerts@newshound.example", d.from)
	}
	if want := []string{"desk@news.example", "night@news.example"}; !slices.Equal(d.to, want) {
		t.Errorf("RCPT TO = %q, want %q (only configured recipients)", d.to, want)
	}
	checkHeaders(t, parse(t, d.data))
}

func checkHeaders(t *testing.T, p parsed) {
	t.Helper()
	want := map[string]string{
		"From":           `"newshound" <alerts@newshound.example>`,
		"To":             `<desk@news.example>, "Night Editor" <night@news.example>`,
		"Message-Id":     "<nh_00112233445566778899aabbccddeeff@newshound>",
		"Mime-Version":   "1.0",
		"Auto-Submitted": "auto-generated",
	}
	for k, v := range want {
		if got := p.header.Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	date, err := p.header.Date()
	if err != nil || !date.Equal(fixedNow()) {
		t.Errorf("Date = %v (%v), want %v", date, err, fixedNow())
	}
	wantSubject := "[newshound] detainees: <!channel> al-Hol camp: <https://evil.example|bank> & " +
		"`rm -rf /` <script>alert(1)</script> Bcc: victim@evil.example"
	if p.subject != wantSubject {
		t.Errorf("Subject = %q, want %q", p.subject, wantSubject)
	}
	if p.contentType != "multipart/alternative" || !slices.Equal(p.partTypes, []string{"text/plain", "text/html"}) {
		t.Errorf("structure = %s %q, want multipart/alternative [text/plain text/html]", p.contentType, p.partTypes)
	}
	for k := range p.header {
		if !slices.Contains([]string{"From", "To", "Subject", "Message-Id", "Date", "Mime-Version",
			"Content-Type", "User-Agent", "X-Mailer", "Auto-Submitted"}, k) {
			t.Errorf("unexpected header %s: %q", k, p.header.Get(k))
		}
	}
}

func TestNotifyBodies(t *testing.T) {
	be := &backend{}
	cfg := baseConfig(serve(t, be, nil, false))
	cfg.Username, cfg.Password = "", ""
	if _, err := newNotifier(t, cfg).Notify(context.Background(), notifytest.SampleAlert()); err != nil {
		t.Fatalf("Notify: %v", err)
	}
	p := parse(t, be.deliveries()[0].data)
	checkGolden(t, "sample.txt", p.text)
	checkGolden(t, "sample.html", p.html)
	if strings.Contains(p.html, "<script>") || !strings.Contains(p.html, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("HTML part does not escape the <script> title:\n%s", p.html)
	}
	if !strings.Contains(p.html, `<a href="https://news.example/world/al-hol?id=7&amp;lang=en">`) {
		t.Errorf("HTML part does not link the article:\n%s", p.html)
	}
}

func TestNotifyHostileAlerts(t *testing.T) {
	be := &backend{user: "newshound", pass: password}
	n := newNotifier(t, baseConfig(serve(t, be, nil, false)))
	for _, tc := range notifytest.Hostile() {
		t.Run(tc.Name, func(t *testing.T) {
			before := len(be.deliveries())
			if _, err := n.Notify(context.Background(), tc.Alert); err != nil {
				t.Fatalf("Notify(%s) = %v, want delivered", tc.Name, err)
			}
			p := parse(t, be.deliveries()[before].data)
			notifytest.AssertOneLine(t, "Subject", p.subject)
			if p.header.Get("Bcc") != "" || p.header.Get("X-Injected") != "" {
				t.Errorf("injected header reached the message: %v", p.header)
			}
			if strings.Contains(p.html, "javascript:") {
				t.Errorf("HTML part shows a javascript: URL:\n%s", p.html)
			}
			if n := len([]rune(p.subject)); n > len("[newshound] detainees: ")+MaxTitleRunes {
				t.Errorf("Subject is %d runes, want the title cut to %d", n, MaxTitleRunes)
			}
		})
	}
}

func TestNotifyTLS(t *testing.T) {
	serverTLS, clientTLS := selfSigned(t)
	for _, mode := range []string{TLSStartTLS, TLSImplicit} {
		t.Run(mode, func(t *testing.T) {
			be := &backend{user: "newshound", pass: password}
			cfg := baseConfig(serve(t, be, serverTLS, mode == TLSImplicit))
			cfg.TLS = mode
			n := newNotifier(t, cfg, WithTLSConfig(clientTLS))
			if _, err := n.Notify(context.Background(), notifytest.SampleAlert()); err != nil {
				t.Fatalf("Notify over %s = %v, want delivered", mode, err)
			}
			if got := be.deliveries(); len(got) != 1 || got[0].user != "newshound" {
				t.Errorf("server got %d messages (user %q), want 1 authenticated", len(got), got)
			}
		})
	}
}

func TestStartTLSRequired(t *testing.T) {
	be := &backend{}
	cfg := baseConfig(serve(t, be, nil, false)) // offers no STARTTLS
	cfg.TLS = TLSStartTLS
	retryable, err := newNotifier(t, cfg).Notify(context.Background(), notifytest.SampleAlert())
	if err == nil {
		t.Fatal("Notify without STARTTLS on offer = nil, want error (never send in the clear)")
	}
	if !retryable {
		t.Errorf("Notify without STARTTLS: retryable = false, want true (operator can fix the server)")
	}
	if len(be.deliveries()) != 0 {
		t.Errorf("message was delivered in the clear")
	}
	notifytest.AssertNoSecret(t, err, password)
}

func TestNotifySMTPErrors(t *testing.T) {
	greylist := &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "greylisted, try later"}
	unknown := &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	spam := &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "rejected as spam"}
	for _, tc := range []struct {
		name      string
		be        *backend
		retryable bool
	}{
		{"rcpt 451", &backend{user: "newshound", pass: password, rcptErr: greylist}, true},
		{"rcpt 550", &backend{user: "newshound", pass: password, rcptErr: unknown}, false},
		{"data 451", &backend{user: "newshound", pass: password, dataErr: greylist}, true},
		{"data 554", &backend{user: "newshound", pass: password, dataErr: spam}, false},
		{"wrong password", &backend{user: "newshound", pass: "other " + password}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := newNotifier(t, baseConfig(serve(t, tc.be, nil, false)))
			retryable, err := n.Notify(context.Background(), notifytest.SampleAlert())
			if err == nil || retryable != tc.retryable {
				t.Fatalf("Notify(%s) = (%v, %v), want error with retryable %v", tc.name, retryable, err, tc.retryable)
			}
			notifytest.AssertNoSecret(t, err, password)
		})
	}
}

func TestRetryAfterLostAnswerKeepsMessageID(t *testing.T) {
	be := &backend{dropAfter: 1}
	n := newNotifier(t, baseConfig(serve(t, be, nil, false)))
	n.username, n.password = "", ""
	retryable, err := n.Notify(context.Background(), notifytest.SampleAlert())
	if err == nil || !retryable {
		t.Fatalf("Notify when the 250 is lost = (%v, %v), want retryable error", retryable, err)
	}
	if _, err := n.Notify(context.Background(), notifytest.SampleAlert()); err != nil {
		t.Fatalf("retry = %v, want delivered", err)
	}
	got := be.deliveries()
	if len(got) != 2 {
		t.Fatalf("server stored %d messages, want 2", len(got))
	}
	first, second := parse(t, got[0].data).header.Get("Message-Id"), parse(t, got[1].data).header.Get("Message-Id")
	if first != second {
		t.Errorf("Message-ID changed across retry: %q then %q", first, second)
	}
}

func TestNeverGreetingServer(t *testing.T) {
	addr := notifytest.SilentListener(t)
	t.Run("smtp timeout", func(t *testing.T) {
		n := newNotifier(t, baseConfig(addr), WithTimeout(100*time.Millisecond))
		retryable, err := n.Notify(context.Background(), notifytest.SampleAlert())
		if err == nil || !retryable {
			t.Fatalf("Notify to a silent server = (%v, %v), want retryable error", retryable, err)
		}
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("Notify error = %v, want a deadline error", err)
		}
		notifytest.AssertNoSecret(t, err, password)
	})
	t.Run("context deadline", func(t *testing.T) {
		n := newNotifier(t, baseConfig(addr), WithTimeout(time.Hour))
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		retryable, err := n.Notify(ctx, notifytest.SampleAlert())
		if err == nil || !retryable {
			t.Fatalf("Notify to a silent server = (%v, %v), want retryable error", retryable, err)
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Notify error = %v, want context.DeadlineExceeded", err)
		}
	})
}

func TestConnectionRefused(t *testing.T) {
	addr := notifytest.SilentListener(t)
	// A port that was just free: nothing listens there.
	addr = addr[:strings.LastIndexByte(addr, ':')] + ":1"
	retryable, err := newNotifier(t, baseConfig(addr)).Notify(context.Background(), notifytest.SampleAlert())
	if err == nil || !retryable {
		t.Fatalf("Notify to a closed port = (%v, %v), want retryable error", retryable, err)
	}
	notifytest.AssertNoSecret(t, err, password)
}

func TestNewRejects(t *testing.T) {
	ok := baseConfig("127.0.0.1:2525")
	for _, tc := range []struct {
		name   string
		mutate func(*Config)
	}{
		{"no port", func(c *Config) { c.Addr = "127.0.0.1" }},
		{"bad port", func(c *Config) { c.Addr = "127.0.0.1:99999" }},
		{"no host", func(c *Config) { c.Addr = ":25" }},
		{"bad tls", func(c *Config) { c.TLS = "ssl" }},
		{"bad from", func(c *Config) { c.From = "not an address" }},
		{"no to", func(c *Config) { c.To = nil }},
		{"bad to", func(c *Config) { c.To = []string{"desk@news.example", "x@y\r\nBcc: z@w"} }},
		{"plain auth off loopback", func(c *Config) { c.Addr = "smtp.news.example:25" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := ok
			tc.mutate(&cfg)
			n, err := New(cfg)
			if err == nil {
				t.Fatalf("New(%s) = %v, nil; want error", tc.name, n)
			}
			notifytest.AssertNoSecret(t, err, password)
		})
	}
	for _, host := range []string{"127.0.0.1:25", "[::1]:25", "localhost:25", "127.0.0.2:25"} {
		cfg := ok
		cfg.Addr = host
		if _, err := New(cfg); err != nil {
			t.Errorf("New(tls none, auth, %s) = %v, want loopback allowed", host, err)
		}
	}
}
