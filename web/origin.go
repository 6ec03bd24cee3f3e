package web

import (
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
)

// RequestHeader must be present (newshound sends "1") on every request
// whose method is not GET, HEAD or OPTIONS. An HTML form cannot set a
// header, and a cross-origin script that sets one needs a CORS preflight
// this server never grants, so a foreign page cannot make a browser send
// such a request (RELIABILITY.md item 38).
const RequestHeader = "X-Newshound-Request"

// hostGuard, when the server has no auth, refuses with 421 Misdirected
// Request a request whose Host header does not name this listener as only
// a local client would: DNS rebinding (RELIABILITY.md item 37) points a
// name the attacker owns at 127.0.0.1, so the victim's browser reaches the
// loopback listener with the attacker's name in Host and reads the answers
// as the attacker's own origin. With auth on, the credentials are the
// guard (a browser never sends cached basic credentials, and never a
// bearer token, to a foreign origin) and any name is served, as a server
// on every interface must be.
func hostGuard(authEnabled bool, next http.Handler) http.Handler {
	if authEnabled {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		local, _ := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
		if !localHost(r.Host, local) {
			w.Header().Set("Cache-Control", "no-store")
			http.Error(w, "misdirected request: without listen_auth this server answers only to localhost "+
				"and loopback addresses with its own port in the Host header; set listen_auth to reach it under another name",
				http.StatusMisdirectedRequest)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// localHost reports whether host, a request's Host header, names the
// listener whose local address is local (nil when unknown): the name
// "localhost" (any case), a loopback IP literal or local's own IP, and
// either no port or local's port. A port names the origin the browser
// thinks it talks to, so another port is another origin; a Host without
// a port is what a local reverse proxy or a hand-made request may send,
// and no page of a foreign origin can produce it. Every other name is
// refused, "localhost." and "x.localhost" included, and so is an IPv6
// zone or an empty Host.
func localHost(host string, local net.Addr) bool {
	name, port := host, ""
	if h, p, err := net.SplitHostPort(host); err == nil {
		name, port = h, p
	} else if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		name = host[1 : len(host)-1]
	}
	var localAP netip.AddrPort
	if tcp, ok := local.(*net.TCPAddr); ok {
		localAP = tcp.AddrPort()
	}
	if port != "" && localAP.IsValid() {
		n, err := strconv.ParseUint(port, 10, 16)
		if err != nil || uint16(n) != localAP.Port() {
			return false
		}
	}
	if strings.EqualFold(name, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(name)
	if err != nil || ip.Zone() != "" {
		return false
	}
	ip = ip.Unmap()
	return ip.IsLoopback() || (localAP.IsValid() && ip == localAP.Addr().Unmap())
}

// crossSiteGuard refuses with 403 a request that changes state or costs
// work (every method but GET, HEAD and OPTIONS; today POST
// /api/v1/backup) when a browser says it comes from another origin
// (Sec-Fetch-Site other than same-origin or none, or an Origin whose host
// is not the request's Host: net/http's CrossOriginProtection), or when it
// lacks RequestHeader, which no cross-site form or simple request can
// carry (RELIABILITY.md item 38). It runs before auth, so credentials a
// browser has cached do not help a foreign page.
func crossSiteGuard(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			next.ServeHTTP(w, r)
			return
		}
		reason := ""
		if err := cop.Check(r); err != nil {
			reason = "cross-origin request refused"
		} else if r.Header.Get(RequestHeader) == "" {
			reason = "request refused: a " + r.Method + " needs the header " + RequestHeader + ": 1"
		}
		if reason != "" {
			w.Header().Set("Cache-Control", "no-store")
			http.Error(w, reason, http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}
