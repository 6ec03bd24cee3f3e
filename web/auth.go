package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"net"
	"net/http"
	"strings"

	"github.com/newshound/newshound/internal/httpx"
)

// Auth is the optional access control. The caller hands over the secrets'
// values already revealed; they are compared in constant time and never
// logged. When Bearer and User are both set, either credential is
// accepted.
type Auth struct {
	// Bearer is the token of "Authorization: Bearer <token>".
	Bearer string
	// User and Password are the basic-auth credentials (a browser asks
	// for them); User set means basic auth is on.
	User, Password string
}

// Enabled reports whether any credential is configured.
func (a Auth) Enabled() bool { return a.Bearer != "" || a.User != "" }

// guard requires a valid credential before next when auth is enabled.
func (a Auth) guard(next http.Handler) http.Handler {
	if !a.Enabled() {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.allows(r) {
			next.ServeHTTP(w, r)
			return
		}
		if a.Bearer != "" {
			w.Header().Add("WWW-Authenticate", `Bearer realm="newshound"`)
		}
		if a.User != "" {
			w.Header().Add("WWW-Authenticate", `Basic realm="newshound", charset="UTF-8"`)
		}
		w.Header().Set("Cache-Control", "no-store")
		http.Error(w, "authentication required", http.StatusUnauthorized)
	})
}

func (a Auth) allows(r *http.Request) bool {
	header := r.Header.Get("Authorization")
	if a.Bearer != "" {
		if scheme, token, ok := strings.Cut(header, " "); ok && strings.EqualFold(scheme, "Bearer") &&
			secretEqual(strings.TrimSpace(token), a.Bearer) {
			return true
		}
	}
	if a.User != "" {
		if user, password, ok := r.BasicAuth(); ok {
			// Both compared always, so the time does not tell which was wrong.
			userOK := secretEqual(user, a.User)
			passwordOK := secretEqual(password, a.Password)
			return userOK && passwordOK
		}
	}
	return false
}

// secretEqual compares in constant time; hashing first makes the time
// independent of the lengths too.
func secretEqual(got, want string) bool {
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}

// RequiresAuth reports whether a listen address reaches beyond the
// loopback interface: an empty host or an unspecified address (":8080",
// "0.0.0.0:8080", "[::]:8080"), any non-loopback IP, and every host name
// but "localhost" (a name may resolve anywhere). The rule is
// httpx.IsLoopbackHost, the one config.IsLoopbackListen applies to decide
// whether listen_auth is required; this also takes an address without the
// port.
func RequiresAuth(addr string) bool {
	host := addr
	if h, _, err := net.SplitHostPort(addr); err == nil {
		host = h
	}
	return !httpx.IsLoopbackHost(host)
}
