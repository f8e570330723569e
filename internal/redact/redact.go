// Package redact owns how colstate shows a URL that may carry a secret:
// every URL colstate prints or stores (state, plans, journal, manifests,
// messages, -json events, logs) goes through URL first.
package redact

import (
	"net/url"
	"strings"
)

// Mask stands for a password colstate leaves out.
const Mask = "***"

// URL returns raw with the password of its user information (the
// user:password@ of http://user:password@host) replaced by Mask. A URL
// that cannot be parsed keeps nothing of what stands before an "@" in its
// authority.
func URL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		scheme, rest, ok := strings.Cut(raw, "://")
		if !ok {
			if strings.Contains(raw, "@") {
				return Mask
			}
			return raw
		}
		authority, path, _ := strings.Cut(rest, "/")
		if i := strings.LastIndex(authority, "@"); i >= 0 {
			authority = Mask + authority[i:]
		}
		if path != "" || strings.Contains(rest, "/") {
			return scheme + "://" + authority + "/" + path
		}
		return scheme + "://" + authority
	}
	if i := strings.LastIndex(u.Opaque, "@"); i >= 0 {
		return u.Scheme + ":" + Mask + u.Opaque[i:] // host:port with a user before it
	}
	return Of(u)
}

// Of is URL for a parsed URL; u itself is not changed.
func Of(u *url.URL) string {
	if u == nil {
		return ""
	}
	if _, ok := u.User.Password(); !ok {
		return u.String()
	}
	c := *u
	c.User = url.UserPassword(u.User.Username(), Mask)
	// url.URL escapes "*" in a password; show the mask as it is.
	return strings.Replace(c.String(), url.QueryEscape(Mask), Mask, 1)
}
