package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/newshound/newshound/internal/httpx"
	"github.com/newshound/newshound/news"
)

// Retention defaults: how long the daemon's daily prune keeps each kind
// of record (the values are news's, which the store uses too).
const (
	// DefaultRetentionSeen is how long an article's seen keys are kept.
	DefaultRetentionSeen = news.DefaultRetentionSeen
	// DefaultRetentionAlerts is how long a stored alert (the alert
	// history, the Atom feeds and the dedup record) is kept.
	DefaultRetentionAlerts = news.DefaultRetentionAlerts
	// DefaultRetentionText is how long article text is kept for replay;
	// DefaultKeepText is the same value under its older name.
	DefaultRetentionText = news.DefaultRetentionText
)

// Limits of listen_auth credentials: a bearer token is generated
// (openssl rand -hex 32), a basic-auth password is typed by a person.
const (
	minBearerLen   = 16
	minPasswordLen = 12
)

// maxSecretFile bounds what a *_file key reads: a secret file holds one
// value, and a path to something endless (/dev/zero) must not hang a
// reload.
const maxSecretFile = 64 << 10

// Messages of the operations rules.
const (
	msgListen     = "must be host:port with a port in 1-65535 (an empty host, \":8080\", means every interface)"
	msgListenAuth = "exactly one of bearer or basic is required"
	msgBasicUser  = "must not contain \":\" or control characters"
	msgTokenChars = "must not contain spaces or control characters"
)

// Retention says how long the daemon's daily prune keeps each kind of
// record (`retention:`).
type Retention struct {
	Seen   time.Duration // seen keys of articles (seen, default 180 days)
	Alerts time.Duration // alerts with their delivery records (alerts, default 90 days)
	Text   time.Duration // article text for replay (text, default 14 days; keep_text is its old name)
}

// ListenAuth is the authentication the HTTP server demands
// (`listen_auth:`). Exactly one of Bearer and Basic is set.
type ListenAuth struct {
	Bearer Secret     // the token of "Authorization: Bearer <token>"
	Basic  *BasicAuth // HTTP basic authentication
}

// BasicAuth is a user name and password for HTTP basic authentication.
type BasicAuth struct {
	Username string
	Password Secret
}

// Format prints a with its secrets masked, whatever the verb (see Webhook's).
func (a ListenAuth) Format(f fmt.State, verb rune) {
	type listenAuth ListenAuth
	_, _ = fmt.Fprintf(f, fmt.FormatString(f, verb), listenAuth(a))
}

// Format prints b with its password masked, whatever the verb.
func (b BasicAuth) Format(f fmt.State, verb rune) {
	type basicAuth BasicAuth
	_, _ = fmt.Fprintf(f, fmt.FormatString(f, verb), basicAuth(b))
}

// IsLoopbackListen reports whether the listen address addr (host:port)
// binds loopback only: its host is loopback by httpx.IsLoopbackHost, the
// rule web.RequiresAuth applies too ("localhost", or an IP address in
// 127.0.0.0/8 or ::1, IPv4-mapped forms included). An empty host, 0.0.0.0
// and :: bind every interface and are not loopback; neither is any other
// host name, whatever it resolves to today. An invalid address is not
// loopback.
func IsLoopbackListen(addr string) bool {
	if checkListen(addr) != "" {
		return false
	}
	host, _, _ := net.SplitHostPort(addr)
	return httpx.IsLoopbackHost(host)
}

// checkListen returns a message when addr is not a listen address
// net.Listen("tcp", addr) takes: host:port, the host an IP address, a
// host name or empty, the port 1-65535.
func checkListen(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return msgListen
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || strings.Trim(port, "0123456789") != "" {
		return msgListen
	}
	if host == "" {
		return ""
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return ""
	}
	if !validHostName(host) {
		return msgListen
	}
	return ""
}

// validHostName reports whether s is a DNS name: dot-separated labels of
// letters, digits and inner hyphens.
func validHostName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(strings.TrimSuffix(s, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if c != '-' && (c < '0' || c > '9') && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
				return false
			}
		}
	}
	return true
}

// formatDuration writes a retention the way it is usually written:
// whole days as "90d", anything else as a Go duration.
func formatDuration(d time.Duration) string {
	day := 24 * time.Hour
	if d > 0 && d%day == 0 {
		return strconv.FormatInt(int64(d/day), 10) + "d"
	}
	return d.String()
}

// retention decodes the retention block; an invalid value is reported and
// the default kept.
func (d *decoder) retention(e entry, r *Retention) {
	for _, f := range d.mapping(e) {
		switch f.key {
		case "seen", "alerts", "text":
			v, ok := d.duration(f)
			switch {
			case !ok:
			case v <= 0:
				d.bad(f.path, f.line, msgPositive)
			case f.key == "seen":
				r.Seen = v
			case f.key == "alerts":
				r.Alerts = v
			default:
				r.Text = v
			}
		default:
			d.unknown(f)
		}
	}
}

// keepText applies keep_text, the older name of retention.text: alone it
// sets the text retention; beside retention.text it must say the same.
func (d *decoder) keepText(keep entry, c *Config) {
	v, ok := d.duration(keep)
	switch {
	case !ok:
		return
	case v <= 0:
		d.bad(keep.path, keep.line, msgPositive)
		return
	}
	if _, given := d.pos["retention.text"]; !given || d.skip["retention.text"] {
		c.Retention.Text = v
		return
	}
	if v != c.Retention.Text {
		d.bad(keep.path, keep.line, fmt.Sprintf("is the old name of retention.text, which says %s: remove keep_text",
			formatDuration(c.Retention.Text)))
	}
}

// listenAuth decodes the listen_auth block.
func (d *decoder) listenAuth(e entry) *ListenAuth {
	a := &ListenAuth{}
	secrets := map[string]entry{}
	for _, f := range d.mapping(e) {
		switch f.key {
		case "bearer", "bearer_file":
			secrets[f.key] = f
		case "basic":
			a.Basic = d.basicAuth(f)
		default:
			d.unknown(f)
		}
	}
	a.Bearer = d.secret(e.path, "bearer", secrets)
	return a
}

func (d *decoder) basicAuth(e entry) *BasicAuth {
	b := &BasicAuth{}
	secrets := map[string]entry{}
	for _, f := range d.mapping(e) {
		switch f.key {
		case "username":
			b.Username = d.str(f)
		case "password", "password_file":
			secrets[f.key] = f
		default:
			d.unknown(f)
		}
	}
	b.Password = d.secret(e.path, "password", secrets)
	return b
}

// secret decodes a secret given either inline (key) or as the path of a
// file holding it (key_file), from the entries of the mapping at path
// that were collected under those two keys. Exactly one may be given.
// When the file form is used, files maps the inline key's path to the
// file key's path, so that the checker reports a bad value at the key the
// operator wrote.
func (d *decoder) secret(path, key string, given map[string]entry) Secret {
	inline, hasInline := given[key]
	file, hasFile := given[key+"_file"]
	switch {
	case hasInline && hasFile:
		later := file
		if inline.line > file.line {
			later = inline
		}
		d.bad(later.path, later.line, fmt.Sprintf("only one of %s or %s_file may be set", key, key))
		d.skip[joinKey(path, key)] = true
		return ""
	case hasFile:
		d.files[joinKey(path, key)] = file.path
		return d.readSecret(joinKey(path, key), file)
	case hasInline:
		return Secret(d.str(inline))
	}
	return ""
}

// readSecret reads the secret file named by the value of e. A relative
// path is resolved against the config file's folder. The file's trailing
// line breaks are dropped; what remains must be one non-empty line.
// Problems name the key and the path, never the contents. On a problem the
// inline key's path (inlinePath) is marked reported, so that no
// "required" follows.
func (d *decoder) readSecret(inlinePath string, e entry) Secret {
	name := d.str(e)
	if d.skip[e.path] {
		d.skip[inlinePath] = true
		return ""
	}
	if name == "" {
		d.bad(e.path, e.line, "must be the path of a file holding the secret")
		d.skip[inlinePath] = true
		return ""
	}
	if !filepath.IsAbs(name) {
		name = filepath.Join(d.dir, name)
	}
	value, msg := readSecretFile(name)
	if msg != "" {
		d.bad(e.path, e.line, msg)
		d.skip[inlinePath] = true
		return ""
	}
	return Secret(value)
}

// readSecretFile returns the one-line value held in the file at name, or
// a message saying why it cannot be used. The file is opened without
// blocking, so a FIFO or a device named by mistake fails at once instead
// of hanging a reload.
func readSecretFile(name string) (value, problem string) {
	f, err := os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return "", "cannot read " + name + ": " + pathErrorCause(err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return "", "cannot read " + name + ": " + pathErrorCause(err)
	}
	if !info.Mode().IsRegular() {
		return "", name + " is not a regular file"
	}
	data, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
	if err != nil {
		return "", "cannot read " + name + ": " + pathErrorCause(err)
	}
	if len(data) > maxSecretFile {
		return "", fmt.Sprintf("%s is larger than %d KiB: a secret file holds one value", name, maxSecretFile>>10)
	}
	v := strings.TrimRight(string(data), "\r\n")
	switch {
	case v == "":
		return "", name + " is empty"
	case strings.ContainsAny(v, "\r\n"):
		return "", name + " holds more than one line: a secret file holds one value"
	}
	return v, ""
}

// pathErrorCause is the reason of a file error without the operation and
// path that *fs.PathError repeats ("permission denied").
func pathErrorCause(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// at is the path a problem about the secret at path is reported at: the
// *_file key when the secret came from a file.
func (k *checker) at(path string) string {
	if p, ok := k.files[path]; ok {
		return p
	}
	return path
}

// operations checks listen, listen_auth, metrics and retention.
func (k *checker) operations(c *Config) {
	k.retention(c.Retention)
	// The profiles show goroutine stacks, heap contents' call sites and
	// the command line: never without authentication, not even on
	// loopback, where any local process could read them.
	if c.Metrics.Pprof && (c.Listen == "" || c.ListenAuth == nil) {
		k.add("metrics.pprof", "requires listen and listen_auth: the profiles are served only to an authenticated client")
	}
	if c.Listen == "" {
		if c.ListenAuth != nil {
			k.add("listen_auth", "only valid with listen")
		}
		return
	}
	if k.skip["listen"] {
		return
	}
	if msg := checkListen(c.Listen); msg != "" {
		k.add("listen", msg)
		return
	}
	if c.ListenAuth == nil {
		if !IsLoopbackListen(c.Listen) {
			k.add("listen", c.Listen+" is not a loopback address: set listen_auth (bearer or basic) to expose the HTTP server")
		}
		return
	}
	k.listenAuth(c.ListenAuth)
}

func (k *checker) listenAuth(a *ListenAuth) {
	bearer := k.set("listen_auth.bearer", a.Bearer.Reveal())
	switch {
	case bearer && a.Basic != nil:
		k.add("listen_auth.basic", "only one of bearer or basic may be set")
	case !bearer && a.Basic == nil:
		k.add("listen_auth", msgListenAuth)
	case bearer:
		k.token(k.at("listen_auth.bearer"), a.Bearer, minBearerLen, "a token from e.g. `openssl rand -hex 32`")
	default:
		b := a.Basic
		switch {
		case !k.set("listen_auth.basic.username", b.Username):
			k.add("listen_auth.basic.username", msgRequired)
		case strings.Contains(b.Username, ":") || hasControl(b.Username):
			k.add("listen_auth.basic.username", msgBasicUser)
		}
		if !k.set("listen_auth.basic.password", b.Password.Reveal()) {
			k.add("listen_auth.basic.password", msgRequired)
		} else {
			k.token(k.at("listen_auth.basic.password"), b.Password, minPasswordLen, "")
		}
	}
}

// token checks a credential's length and characters without quoting it.
func (k *checker) token(path string, s Secret, minLen int, hint string) {
	v := s.Reveal()
	switch {
	case v == "":
		// Already reported (an unreadable file) or required elsewhere.
	case strings.ContainsFunc(v, func(r rune) bool { return r <= ' ' || r == 0x7f }):
		k.add(path, msgTokenChars)
	case len(v) < minLen:
		msg := fmt.Sprintf("must be at least %d characters", minLen)
		if hint != "" {
			msg += " (" + hint + ")"
		}
		k.add(path, msg)
	}
}

// retention checks that seen keys outlive alerts. A pruned alert whose
// article is still remembered is harmless; an article forgotten while its
// alert is kept is fetched and matched again whenever its source still
// lists it.
func (k *checker) retention(r Retention) {
	for _, f := range []struct {
		key string
		v   time.Duration
	}{{"seen", r.Seen}, {"alerts", r.Alerts}, {"text", r.Text}} {
		if f.v < 0 {
			k.add("retention."+f.key, msgPositive)
		}
	}
	if r.Seen <= 0 || r.Alerts <= 0 || r.Seen >= r.Alerts || k.skip["retention.seen"] || k.skip["retention.alerts"] {
		return
	}
	why := ": articles would be forgotten while their alerts are kept, and a source that still lists them would have them fetched and matched again"
	if _, seenGiven := k.pos["retention.seen"]; !seenGiven && k.pos["retention.alerts"] > 0 {
		k.add("retention.alerts", fmt.Sprintf("%s is longer than retention.seen (%s)%s; keep alerts at most as long as seen",
			formatDuration(r.Alerts), formatDuration(r.Seen), why))
		return
	}
	k.add("retention.seen", fmt.Sprintf("%s is shorter than retention.alerts (%s)%s; keep seen at least as long as alerts",
		formatDuration(r.Seen), formatDuration(r.Alerts), why))
}
