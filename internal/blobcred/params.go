package blobcred

import (
	"fmt"
	"slices"
	"strings"
)

// params are the query parameters a state or snapshot store URL may carry,
// by scheme: the gocloud.dev/blob v0.49.0 settings of where and how to
// connect. Both the state backend and the snapshot store accept exactly
// these, since both URLs are recorded in plans and state. Parameters that
// carry or point at a credential (credentialParams) are not among them.
var params = map[string][]string{
	"s3": {"region", "endpoint", "profile", "use_path_style", "s3ForcePathStyle", "disable_https", "hostname_immutable",
		"dualstack", "fips", "rate_limiter_capacity", "anonymous", "awssdk", "accelerate", "ssetype", "kmskeyid",
		"request_checksum_calculation", "response_checksum_validation", "role", "role_session_name", "role_duration"},
	"gs":     {"anonymous", "grpc", "zonal"},
	"azblob": {"domain", "protocol", "cdn", "localemu", "storage_account"},
	"file":   {"create_dir", "dir_file_mode", "no_tmp_dir"},
	"mem":    {"nomd5"},
}

// credentialParams are parameters gocloud.dev/blob reads that carry a
// credential or name where one is: a gs service account and its key file,
// an s3 web identity token file and a role's external ID. Credentials come
// from each cloud's own chain (Where) instead.
var credentialParams = []string{"access_id", "private_key_path", "web_identity_token_file", "role_external_id"}

// credentialWords mark any other parameter as a credential by its name.
var credentialWords = []string{"secret", "password", "passwd", "token", "sig", "credential", "private_key", "access_key",
	"access_id", "accountkey", "account_key", "sas", "external_id"}

// Params lists the query parameters a URL of scheme may carry, in order;
// nil for an unknown scheme.
func Params(scheme string) []string { return params[scheme] }

// ParamError is a URL query parameter colstate refuses.
type ParamError struct {
	Scheme, Param string
	Credential    bool // it carries or points at a credential
}

func (e *ParamError) Error() string {
	if e.Credential {
		return fmt.Sprintf("the parameter %q carries or points at a credential; colstate refuses it because the URL is recorded in plans and state: remove it and provide credentials through %s",
			e.Param, Where(e.Scheme))
	}
	return fmt.Sprintf("the parameter %q is not accepted (a %s:// URL takes %s); credentials never go in the URL: they come from %s",
		e.Param, e.Scheme, strings.Join(params[e.Scheme], ", "), Where(e.Scheme))
}

// CheckParam returns a *ParamError when a URL of scheme may not carry
// the query parameter name, nil when it may. The error names the
// parameter, never its value.
func CheckParam(scheme, name string) error {
	if IsCredentialParam(name) {
		return &ParamError{Scheme: scheme, Param: name, Credential: true}
	}
	if !slices.Contains(params[scheme], name) {
		return &ParamError{Scheme: scheme, Param: name}
	}
	return nil
}

// IsCredentialParam reports whether a URL query parameter carries or
// points at a credential.
func IsCredentialParam(name string) bool {
	if slices.Contains(credentialParams, name) {
		return true
	}
	k := strings.ToLower(name)
	for _, w := range credentialWords {
		if strings.Contains(k, w) {
			return true
		}
	}
	// A presigned URL's signature and credential scope.
	return strings.HasPrefix(k, "x-amz-") || strings.HasPrefix(k, "x-goog-")
}
