package config

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/colstate/colstate/internal/auth"
)

func TestAuthBlock(t *testing.T) {
	t.Setenv("CS_SECRET", "s3cr3t-value")
	t.Setenv("CS_EMPTY", "")
	t.Setenv("CS_TOKEN", "tok")
	tests := []struct {
		name, hcl string
		want      *auth.Config
		diag      string // the one diagnostic, as WriteDiagnostics prints it
	}{
		{name: "client credentials",
			hcl: block("", `client_credentials {
      client_secret = env("CS_SECRET")
      scopes        = ["a", "b"]
    }`),
			want: &auth.Config{Method: auth.ClientCredentials, ClientSecret: "s3cr3t-value", Scopes: []string{"a", "b"}, Env: map[string]string{"client_secret": "CS_SECRET"}}},
		{name: "password",
			hcl: block("", `password {
      username = "alice"
      password = env("CS_SECRET", "")
    }`),
			want: &auth.Config{Method: auth.Password, Username: "alice", Password: "s3cr3t-value", Env: map[string]string{"password": "CS_SECRET"}}},
		{name: "bearer",
			hcl: block("", `bearer_token {
      access_token = env("CS_TOKEN")
      expires_in   = "15m"
    }`),
			want: &auth.Config{Method: auth.BearerToken, AccessToken: "tok", ExpiresIn: 15 * time.Minute, Env: map[string]string{"access_token": "CS_TOKEN"}}},
		{name: "literal secret",
			hcl:  block("", `client_credentials { client_secret = "hunter2" }`),
			diag: `a.hcl:5:42: Secret must come from env(): auth.client_credentials.client_secret is not read with env(). A secret written in a configuration file ends up in version control; write client_secret = env("WEAVIATE_CLIENT_SECRET") and set WEAVIATE_CLIENT_SECRET where colstate runs`},
		{name: "literal default",
			hcl: block("", `password {
      username = "u"
      password = env("CS_UNSET", "hunter2")
    }`),
			diag: `a.hcl:7:18: Secret must come from env(): auth.password.password has a default written in the file, which is a secret in the file too; leave the default out or make it "". A secret written in a configuration file ends up in version control; write password = env("WEAVIATE_PASSWORD") and set WEAVIATE_PASSWORD where colstate runs`},
		{name: "template",
			hcl:  block("", `bearer_token { access_token = "x${env("CS_TOKEN")}" }`),
			diag: `a.hcl:5:35: Secret must come from env(): auth.bearer_token.access_token is not read with env()`},
		{name: "empty",
			hcl:  block("", `client_credentials { client_secret = env("CS_EMPTY") }`),
			diag: `a.hcl:5:42: Empty client_secret: auth.client_credentials.client_secret is empty: set CS_EMPTY in the environment colstate runs in`},
		{name: "unset",
			hcl:  block("", `client_credentials { client_secret = env("CS_UNSET") }`),
			diag: `environment variable CS_UNSET is not set; set it, or give a default: env("CS_UNSET", "...")`},
		{name: "two methods",
			hcl: block("", `client_credentials { client_secret = env("CS_SECRET") }
    bearer_token { access_token = env("CS_TOKEN") }`),
			diag: `a.hcl:6:5: auth needs exactly one method: An auth block holds one of client_credentials, password or bearer_token; this one has 2`},
		{name: "missing",
			hcl:  block("", `password { password = env("CS_SECRET") }`),
			diag: `a.hcl:5:5: Missing username: auth.password needs username, e.g. username = "colstate"`},
		{name: "with api key",
			hcl:  block(`api_key = env("CS_TOKEN")`, `client_credentials { client_secret = env("CS_SECRET") }`),
			diag: `a.hcl:3:13: Both api_key and auth`},
		{name: "embedded",
			hcl:  block(`embedded = true`, `client_credentials { client_secret = env("CS_SECRET") }`),
			diag: `a.hcl:4:3: auth with an embedded Weaviate`},
		{name: "bad expires_in",
			hcl: block("", `bearer_token {
      access_token = env("CS_TOKEN")
      expires_in = "soon"
    }`),
			diag: `a.hcl:7:20: Invalid expires_in`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeDir(t, map[string]string{"a.hcl": tt.hcl})
			t.Chdir(dir)
			cfg, diags := NewLoader().LoadDir(".")
			var out bytes.Buffer
			WriteDiagnostics(&out, diags)
			if strings.Contains(out.String(), "s3cr3t-value") || strings.Contains(out.String(), "hunter2") {
				t.Fatalf("a diagnostic shows the secret: %s", out.String())
			}
			if tt.diag != "" {
				if !diags.HasErrors() || !strings.Contains(out.String(), tt.diag) {
					t.Fatalf("diagnostics:\n%s\nwant: %s", out.String(), tt.diag)
				}
				return
			}
			if diags.HasErrors() {
				t.Fatal(out.String())
			}
			got := cfg.Weaviate.Auth
			if got == nil || got.Method != tt.want.Method || got.ClientSecret != tt.want.ClientSecret || got.Username != tt.want.Username ||
				got.Password != tt.want.Password || got.AccessToken != tt.want.AccessToken || got.ExpiresIn != tt.want.ExpiresIn ||
				strings.Join(got.Scopes, ",") != strings.Join(tt.want.Scopes, ",") || len(got.Env) != len(tt.want.Env) {
				t.Fatalf("auth = %#v %+v", got, got)
			}
			for k, v := range tt.want.Env {
				if got.Env[k] != v {
					t.Fatalf("env[%s] = %q, want %q", k, got.Env[k], v)
				}
			}
			// Printing the configuration never prints a secret.
			for _, s := range []string{fmtV(cfg.Weaviate), fmtV(*got)} {
				if strings.Contains(s, "s3cr3t-value") || strings.Contains(s, "tok}") {
					t.Fatalf("%%v shows a secret: %s", s)
				}
			}
		})
	}
}

func fmtV(v any) string { return fmt.Sprintf("%v %+v %#v", v, v, v) }

// block is a weaviate block with attrs and an auth block holding method;
// the method starts on line 5, column 5.
func block(attrs, method string) string {
	return "weaviate {\n  url = \"http://localhost:8080\"\n  " + attrs + "\n  auth {\n    " + method + "\n  }\n}\n"
}
