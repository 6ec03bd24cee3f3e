package email

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// delivery is one message as the test server received it.
type delivery struct {
	from string
	to   []string
	data []byte
	user string // authenticated user, "" when none
}

// backend is a real in-process SMTP server's backend that can refuse at
// any step: it records what arrives and answers with the configured
// errors.
type backend struct {
	user, pass string // when user is set, MAIL requires AUTH PLAIN with these
	// echoAuth offers only this mechanism (PLAIN or LOGIN) and refuses
	// AUTH with a 535 whose text quotes, in base64, what the client sent.
	echoAuth string

	mu        sync.Mutex
	rcptErr   error
	refuse    map[string]error // RCPT answers for these addresses
	rcpts     []string         // every RCPT TO address, accepted or not
	dataErr   error
	dropAfter int // close the connection instead of answering the first n DATA
	got       []delivery
}

func (b *backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{b: b, conn: c}, nil
}

// rcptCount is how many RCPT TO commands arrived, accepted or not.
func (b *backend) rcptCount() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.rcpts)
}

func (b *backend) deliveries() []delivery {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]delivery(nil), b.got...)
}

type session struct {
	b    *backend
	conn *smtp.Conn
	user string
	from string
	to   []string
}

func (s *session) AuthMechanisms() []string {
	if s.b.echoAuth != "" {
		return []string{s.b.echoAuth}
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(string) (sasl.Server, error) {
	if s.b.echoAuth != "" {
		return &echoingAuth{}, nil
	}
	return sasl.NewPlainServer(func(_, username, password string) error {
		if username != s.b.user || password != s.b.pass {
			return smtp.ErrAuthFailed
		}
		s.user = username
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.b.user != "" && s.user == "" {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	s.b.rcpts = append(s.b.rcpts, to)
	if s.b.rcptErr != nil {
		return s.b.rcptErr
	}
	if err := s.b.refuse[to]; err != nil {
		return err
	}
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	if s.b.dataErr != nil {
		return s.b.dataErr
	}
	s.b.got = append(s.b.got, delivery{s.from, s.to, data, s.user})
	if s.b.dropAfter > 0 {
		// The message is stored but the 250 never reaches the client.
		s.b.dropAfter--
		s.conn.Close()
	}
	return nil
}

// echoingAuth is a SASL server for PLAIN or LOGIN that takes every
// response (LOGIN: after asking for the user name and the password) and
// then refuses with the responses quoted in base64, as they came.
type echoingAuth struct{ got [][]byte }

func (a *echoingAuth) Next(response []byte) ([]byte, bool, error) {
	if response != nil {
		a.got = append(a.got, response)
	}
	switch {
	case len(a.got) == 0:
		return []byte("Username:"), false, nil
	case len(a.got) == 1 && !bytes.Contains(a.got[0], []byte{0}):
		return []byte("Password:"), false, nil
	}
	var quoted []string
	for _, r := range a.got {
		quoted = append(quoted, base64.StdEncoding.EncodeToString(r))
	}
	return nil, true, &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8},
		Message: "authentication failed for " + strings.Join(quoted, " ")}
}

func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }

// serve starts a go-smtp server for be on 127.0.0.1. With serverTLS set
// it offers STARTTLS, or, when implicit, speaks TLS from the first byte.
func serve(t *testing.T, be *backend, serverTLS *tls.Config, implicit bool) string {
	t.Helper()
	s := smtp.NewServer(be)
	s.Domain = "localhost"
	s.AllowInsecureAuth = true
	s.ReadTimeout = 10 * time.Second
	s.WriteTimeout = 10 * time.Second
	s.TLSConfig = serverTLS
	// Failed TLS handshakes are expected in some tests; keep output quiet.
	s.ErrorLog = log.New(io.Discard, "", 0)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	if implicit {
		ln = tls.NewListener(ln, serverTLS)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := s.Serve(ln); err != nil && !errors.Is(err, smtp.ErrServerClosed) {
			t.Errorf("smtp server: %v", err)
		}
	}()
	t.Cleanup(func() {
		s.Close()
		<-done
	})
	return ln.Addr().String()
}

// selfSigned makes a certificate for 127.0.0.1 and returns the server's
// TLS configuration and a client configuration that trusts it.
func selfSigned(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "newshound test smtp"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	return server, &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
}
