package redact

import (
	"net/url"
	"strings"
	"testing"
)

func TestURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"http://localhost:8080", "http://localhost:8080"},
		{"http://admin:hunter2@host:8080/base", "http://admin:***@host:8080/base"},
		{"https://admin:p%40ss%3Aword@host", "https://admin:***@host"},
		{"http://admin@host", "http://admin@host"},
		{"http://admin:@host", "http://admin:***@host"},
		{"http://ad min:hunter2@host%zz/x", "http://***@host%zz/x"},
		{"admin:hunter2@host", "admin:***@host"},
		{"user:pw", "user:pw"},
	} {
		if got := URL(tc.in); got != tc.want {
			t.Errorf("URL(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if strings.Contains(URL(tc.in), "hunter2") {
			t.Errorf("URL(%q) keeps the password", tc.in)
		}
	}
	u, _ := url.Parse("http://a:secret@h")
	if Of(u) != "http://a:***@h" || u.String() != "http://a:secret@h" {
		t.Errorf("Of changed or kept: %q, %q", Of(u), u.String())
	}
}
