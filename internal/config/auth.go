package config

import (
	"fmt"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/colstate/colstate/internal/auth"
)

// authMethods are the blocks an auth block takes, exactly one of them, with
// their attributes; secret ones must be read with env().
var authMethods = map[string]struct {
	attrs   []string
	secrets map[string]bool
	needed  []string
}{
	string(auth.ClientCredentials): {
		attrs:   []string{"client_secret", "scopes"},
		secrets: map[string]bool{"client_secret": true},
		needed:  []string{"client_secret"},
	},
	string(auth.Password): {
		attrs:   []string{"username", "password", "scopes"},
		secrets: map[string]bool{"password": true},
		needed:  []string{"username", "password"},
	},
	string(auth.BearerToken): {
		attrs:   []string{"access_token", "refresh_token", "expires_in"},
		secrets: map[string]bool{"access_token": true, "refresh_token": true},
		needed:  []string{"access_token"},
	},
}

// decodeAuth decodes weaviate { auth { <method> { ... } } }.
func decodeAuth(b *hcl.Block) (*auth.Config, hcl.Diagnostics) {
	var schema hcl.BodySchema
	for _, m := range []auth.Method{auth.ClientCredentials, auth.Password, auth.BearerToken} {
		schema.Blocks = append(schema.Blocks, hcl.BlockHeaderSchema{Type: string(m)})
	}
	content, diags := b.Body.Content(&schema)
	if diags.HasErrors() {
		return nil, diags
	}
	if len(content.Blocks) != 1 {
		subject := b.DefRange.Ptr()
		if len(content.Blocks) > 1 {
			subject = content.Blocks[1].DefRange.Ptr()
		}
		return nil, append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "auth needs exactly one method",
			Detail:   fmt.Sprintf("An auth block holds one of client_credentials, password or bearer_token; this one has %d. For example: auth { client_credentials { client_secret = env(\"WEAVIATE_CLIENT_SECRET\") } }.", len(content.Blocks)),
			Subject:  subject,
		})
	}
	mb := content.Blocks[0]
	spec := authMethods[mb.Type]
	var as hcl.BodySchema
	for _, name := range spec.attrs {
		as.Attributes = append(as.Attributes, hcl.AttributeSchema{Name: name})
	}
	mc, d := mb.Body.Content(&as)
	diags = append(diags, d...)
	if d.HasErrors() {
		return nil, diags
	}
	cfg := &auth.Config{Method: auth.Method(mb.Type), Env: map[string]string{}}
	strs := map[string]*string{
		"client_secret": &cfg.ClientSecret,
		"username":      &cfg.Username,
		"password":      &cfg.Password,
		"access_token":  &cfg.AccessToken,
		"refresh_token": &cfg.RefreshToken,
	}
	for _, name := range spec.attrs {
		attr := mc.Attributes[name]
		if attr == nil {
			continue
		}
		switch {
		case spec.secrets[name]:
			env, d := secretFromEnv(attr, mb.Type)
			diags = append(diags, d...)
			if d.HasErrors() {
				continue
			}
			cfg.Env[name] = env
			diags = append(diags, decodeAttr(attr, strs[name])...)
		case name == "scopes":
			diags = append(diags, decodeAttr(attr, &cfg.Scopes)...)
		case name == "expires_in":
			var s string
			if d := decodeAttr(attr, &s); d.HasErrors() {
				diags = append(diags, d...)
				continue
			}
			dur, err := time.ParseDuration(s)
			if err != nil || dur <= 0 {
				diags = append(diags, attrError(attr, "Invalid expires_in", fmt.Sprintf("expires_in is how long the access token stays valid, a duration like \"1h\" or \"15m\"; %q is not one.", s)))
				continue
			}
			cfg.ExpiresIn = dur
		default:
			diags = append(diags, decodeAttr(attr, strs[name])...)
		}
	}
	if diags.HasErrors() {
		return nil, diags
	}
	for _, name := range spec.needed {
		attr := mc.Attributes[name]
		if attr == nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  fmt.Sprintf("Missing %s", name),
				Detail:   fmt.Sprintf("auth.%s needs %s%s.", mb.Type, name, example(name, spec.secrets[name])),
				Subject:  mb.DefRange.Ptr(),
			})
			continue
		}
		if *strs[name] == "" {
			detail := fmt.Sprintf("auth.%s.%s is empty", mb.Type, name)
			if env := cfg.Env[name]; env != "" {
				detail += fmt.Sprintf(": set %s in the environment colstate runs in", env)
			}
			diags = append(diags, attrError(attr, fmt.Sprintf("Empty %s", name), detail+"."))
		}
	}
	return cfg, diags
}

// secretFromEnv refuses a secret written in the configuration: only
// env("NAME") (or env("NAME", "") ) may give one, so that the secret is
// never committed with the HCL. It returns the variable's name.
func secretFromEnv(attr *hcl.Attribute, method string) (string, hcl.Diagnostics) {
	refuse := func(why string) hcl.Diagnostics {
		return hcl.Diagnostics{attrError(attr, "Secret must come from env()",
			fmt.Sprintf("auth.%s.%s %s. A secret written in a configuration file ends up in version control; write %s = env(%q) and set %s where colstate runs.",
				method, attr.Name, why, attr.Name, defaultEnv[attr.Name], defaultEnv[attr.Name]))}
	}
	call, d := hcl.ExprCall(attr.Expr)
	if d.HasErrors() || call.Name != "env" || len(call.Arguments) == 0 || len(call.Arguments) > 2 {
		return "", refuse("is not read with env()")
	}
	name, d := call.Arguments[0].Value(nil)
	if d.HasErrors() || name.Type() != cty.String || !name.IsKnown() || name.IsNull() {
		return "", refuse("names its environment variable with an expression; name it with a quoted string")
	}
	if len(call.Arguments) == 2 {
		def, d := call.Arguments[1].Value(nil)
		if d.HasErrors() || def.Type() != cty.String || def.IsNull() || def.AsString() != "" {
			return "", refuse("has a default written in the file, which is a secret in the file too; leave the default out or make it \"\"")
		}
	}
	return name.AsString(), nil
}

// defaultEnv are the variable names the documentation suggests.
var defaultEnv = map[string]string{
	"client_secret": "WEAVIATE_CLIENT_SECRET",
	"password":      "WEAVIATE_PASSWORD",
	"access_token":  "WEAVIATE_ACCESS_TOKEN",
	"refresh_token": "WEAVIATE_REFRESH_TOKEN",
}

func example(name string, secret bool) string {
	if secret {
		return fmt.Sprintf(", e.g. %s = env(%q)", name, defaultEnv[name])
	}
	return fmt.Sprintf(", e.g. %s = \"colstate\"", name)
}
