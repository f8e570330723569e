package live

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestGRPCTarget: the gRPC address as configured becomes a dial target and
// a TLS choice; an API key must never go in clear text to a TLS port.
func TestGRPCTarget(t *testing.T) {
	tests := []struct {
		addr, rest string
		want       string
		tls        bool
		wantErr    string
	}{
		{"", "http://localhost:8080", "localhost:50051", false, ""},
		{"", "https://cluster.example.com", "cluster.example.com:50051", true, ""},
		{"localhost:50052", "http://localhost:8080", "localhost:50052", false, ""},
		{"grpc.example.com:443", "http://x", "grpc.example.com:443", true, ""},
		{"grpc.example.com:50051", "https://x", "grpc.example.com:50051", true, ""},
		{"https://grpc.example.com:8443/", "http://x", "grpc.example.com:8443", true, ""},
		{"grpcs://grpc.example.com:8443", "http://x", "grpc.example.com:8443", true, ""},
		{"http://localhost:50051", "https://x", "localhost:50051", false, ""},
		{"grpc://localhost:50051", "https://x", "localhost:50051", false, ""},
		{"tcp://localhost:50051", "http://x", "", false, `weaviate grpc_url "tcp://localhost:50051": unknown scheme "tcp" (use host:port)`},
	}
	for _, tt := range tests {
		rest, _ := url.Parse(tt.rest)
		got, tls, err := grpcTarget(tt.addr, rest)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("grpcTarget(%q): err = %v, want %s", tt.addr, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want || tls != tt.tls {
			t.Errorf("grpcTarget(%q, %s) = %q, tls %v, %v; want %q, tls %v", tt.addr, tt.rest, got, tls, err, tt.want, tt.tls)
		}
	}
}

func TestNewRefusesNonHTTPURL(t *testing.T) {
	for _, u := range []string{"", "localhost:8080", "grpc://localhost:50051", "http://"} {
		if _, err := New(Options{URL: u}); err == nil || !strings.Contains(err.Error(), "is not an http(s) URL like http://localhost:8080") {
			t.Errorf("New(%q): %v", u, err)
		}
	}
}

// TestErrorsSayWhatToCheck: Weaviate's own message is pulled out of its
// JSON, and an authentication failure says which setting to check, over
// REST and gRPC alike.
func TestErrorsSayWhatToCheck(t *testing.T) {
	for body, want := range map[string]string{
		`{"error":[{"message":"class name Article already exists"}]}`: "class name Article already exists",
		`{"error":[{"message":"a"},{"message":"b"}]}`:                 "a; b",
		`{"code":601,"message":"id is required"}`:                     "id is required",
		"  plain text answer \n":                                      "plain text answer",
		"":                                                            "",
		strings.Repeat("x", 400):                                      strings.Repeat("x", 300) + "…",
	} {
		if got := serverMessage([]byte(body)); got != want {
			t.Errorf("serverMessage(%.40q) = %.60q, want %.60q", body, got, want)
		}
	}

	for _, tt := range []struct {
		status int
		want   string
	}{
		{http.StatusUnauthorized, "weaviate GET /v1/schema: 401 no key (unauthorized: check the api_key in the weaviate block or WEAVIATE_API_KEY)"},
		{http.StatusForbidden, "weaviate GET /v1/schema: 403 no key (forbidden: the API key lacks the permission for this)"},
		{http.StatusUnprocessableEntity, "weaviate GET /v1/schema: 422 no key"},
	} {
		err := &StatusError{Method: "GET", Path: "/v1/schema", Status: tt.status, Message: "no key"}
		if err.Error() != tt.want {
			t.Errorf("%d: %s, want %s", tt.status, err, tt.want)
		}
	}

	unauth := status.Error(codes.Unauthenticated, "bad key")
	if err := rpcHint(unauth); !strings.Contains(err.Error(), "check the api_key in the weaviate block or WEAVIATE_API_KEY") || status.Code(errors.Unwrap(err)) != codes.Unauthenticated {
		t.Errorf("gRPC unauthenticated: %v", err)
	}
	if err := rpcHint(status.Error(codes.PermissionDenied, "no")); !strings.Contains(err.Error(), "lacks the permission") {
		t.Errorf("gRPC permission denied: %v", err)
	}
	other := status.Error(codes.Unavailable, "down")
	if err := rpcHint(other); err != other {
		t.Errorf("other gRPC errors are returned as they are, got %v", err)
	}
}

// Weaviate 1.35 refuses a token on gRPC Search with code Unknown and
// "extract auth: ..." (internal/auth's tests see it on a real server). The
// endpoint comparison took that for a gRPC endpoint of another Weaviate;
// it is an authentication failure, and says which setting to check.
func TestSearchAuthFailureIsNotAMismatch(t *testing.T) {
	c, err := New(Options{URL: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	refused := status.Error(codes.Unknown, "extract auth: unauthorized: oidc: token is expired (Token Expiry: 2026-12-05 22:00:00 +0000 UTC)")
	err = c.probeError(context.Background(), "Article", refused)
	if err == nil || strings.Contains(err.Error(), "do not reach the same Weaviate") ||
		!strings.Contains(err.Error(), "compare the endpoints on collection Article") ||
		!strings.Contains(err.Error(), "check the api_key in the weaviate block") {
		t.Fatalf("probeError: %v", err)
	}
	if err := rpcHint(status.Error(codes.Unknown, "something else")); strings.Contains(err.Error(), "unauthorized") {
		t.Fatalf("an Unknown error that is not about auth got the hint: %v", err)
	}
}
