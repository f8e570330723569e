package snapshot

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/colstate/colstate/internal/blobcred"
)

// BucketSchemes are the URL schemes a snapshot store may use besides a
// local directory.
var BucketSchemes = []string{"s3", "gs", "azblob", "file", "mem"}

// IsURL reports whether a store location is a URL ("s3://bucket/prefix")
// rather than a local directory.
func IsURL(loc string) bool {
	scheme, _, ok := strings.Cut(loc, "://")
	if !ok || scheme == "" {
		return false
	}
	for _, r := range scheme {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

// CheckURL refuses a store URL colstate cannot use: an unknown scheme, or
// one that carries credentials. Credentials come only from each cloud's
// standard chain (see blobcred.Where), never from configuration, state or
// plans, which all record the URL. The error never repeats the secret.
func CheckURL(loc string) error {
	u, err := url.Parse(loc)
	if err != nil {
		return fmt.Errorf("snapshot store URL %s is not a valid URL: %v", Redact(loc), strings.TrimPrefix(err.Error(), "parse "+fmt.Sprintf("%q", loc)+": "))
	}
	known := false
	for _, s := range BucketSchemes {
		known = known || u.Scheme == s
	}
	if !known {
		return fmt.Errorf("snapshot store URL %s: scheme %q is not supported; use s3://, gs://, azblob://, file:// or mem://, or a local directory", Redact(loc), u.Scheme)
	}
	if u.User != nil {
		return fmt.Errorf("snapshot store URL %s carries credentials (user:password@); colstate refuses them because the URL is recorded in plans and state: remove them and provide credentials through %s", Redact(loc), blobcred.Where(u.Scheme))
	}
	q := u.Query()
	for _, k := range slices.Sorted(maps.Keys(q)) {
		if err := blobcred.CheckParam(u.Scheme, k); err != nil {
			return fmt.Errorf("snapshot store URL %s: %w", Redact(loc), err)
		}
	}
	if u.Scheme != "file" && u.Scheme != "mem" && u.Host == "" {
		return fmt.Errorf("snapshot store URL %s names no bucket: use %s://BUCKET/PREFIX", Redact(loc), u.Scheme)
	}
	if u.Scheme == "file" && u.Path == "" {
		return fmt.Errorf("snapshot store URL %s names no directory: use file:///ABSOLUTE/DIR", Redact(loc))
	}
	return nil
}

// Redact renders a store location for messages: a URL without user
// information and without its query (endpoint, region and the like, and
// any credential a refused URL carried).
func Redact(loc string) string {
	if !IsURL(loc) {
		return loc
	}
	u, err := url.Parse(loc)
	if err != nil {
		scheme, _, _ := strings.Cut(loc, "://")
		return scheme + "://…"
	}
	u.User = nil
	u.RawQuery, u.ForceQuery = "", false
	return u.String()
}
