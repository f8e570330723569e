package blobcred

import (
	"errors"
	"strings"
	"testing"
)

// One policy for the state backend and the snapshot store: every scheme
// refuses credential parameters (including those gocloud.dev/blob would
// read: gs access_id and private_key_path, s3 web_identity_token_file),
// and anything that is not a known connection setting.
func TestCheckParam(t *testing.T) {
	for _, tc := range []struct {
		scheme, param string
		want          string // "" accepted, "credential" or "unknown"
	}{
		{"s3", "region", ""},
		{"s3", "endpoint", ""},
		{"s3", "use_path_style", ""},
		{"s3", "role", ""},
		{"s3", "aws_secret_access_key", "credential"},
		{"s3", "web_identity_token_file", "credential"},
		{"s3", "role_external_id", "credential"},
		{"s3", "X-Amz-Signature", "credential"},
		{"s3", "prefix", "unknown"},
		{"gs", "anonymous", ""},
		{"gs", "access_id", "credential"},
		{"gs", "private_key_path", "credential"},
		{"gs", "X-Goog-Credential", "credential"},
		{"azblob", "storage_account", ""},
		{"azblob", "sas_token", "credential"},
		{"azblob", "sig", "credential"},
		{"azblob", "region", "unknown"},
		{"file", "create_dir", ""},
		{"mem", "nomd5", ""},
		{"ftp", "region", "unknown"},
	} {
		err := CheckParam(tc.scheme, tc.param)
		var pe *ParamError
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("CheckParam(%s, %s) = %v, want accepted", tc.scheme, tc.param, err)
		case tc.want != "" && !errors.As(err, &pe):
			t.Errorf("CheckParam(%s, %s) = %v, want a *ParamError", tc.scheme, tc.param, err)
		case tc.want != "" && pe.Credential != (tc.want == "credential"):
			t.Errorf("CheckParam(%s, %s): Credential = %v, want %s", tc.scheme, tc.param, pe.Credential, tc.want)
		case err != nil && !strings.Contains(err.Error(), `"`+tc.param+`"`):
			t.Errorf("CheckParam(%s, %s) = %q does not name the parameter", tc.scheme, tc.param, err)
		}
	}
}

// No accepted parameter looks like a credential: the two lists cannot
// contradict each other.
func TestParamsHoldNoCredential(t *testing.T) {
	for scheme, list := range params {
		for _, p := range list {
			if IsCredentialParam(p) {
				t.Errorf("%s:// accepts %q, which the credential test refuses", scheme, p)
			}
		}
	}
}
