// Package auth signs colstate's requests to Weaviate with OIDC tokens. It
// gets them through weaviate-go-client's auth flows (client credentials,
// resource-owner password, bearer token with or without a refresh token),
// keeps them fresh, and hands the current one to the REST and the gRPC
// paths alike: the go-client itself only signs REST requests with them.
//
// Secrets and tokens stay in memory. Nothing here prints or logs them, and
// every error it returns has them replaced by "***".
package auth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	wvauth "github.com/weaviate/weaviate-go-client/v4/weaviate/auth"
	"github.com/weaviate/weaviate-go-client/v4/weaviate/connection"
	"golang.org/x/oauth2"
	"google.golang.org/grpc/credentials"

	"github.com/colstate/colstate/internal/redact"
)

// Method is how colstate obtains its token; its value is the name of the
// block inside weaviate { auth { ... } }.
type Method string

const (
	ClientCredentials Method = "client_credentials"
	Password          Method = "password"
	BearerToken       Method = "bearer_token"
)

// Config is a decoded auth block. The client id and the token endpoint are
// not part of it: Weaviate announces them (GET
// /v1/.well-known/openid-configuration), and the go-client reads them there.
type Config struct {
	Method Method
	// ClientCredentials.
	ClientSecret string
	// Password.
	Username, Password string
	// BearerToken. ExpiresIn, when zero, is read from the token's exp claim
	// when the token is a JWT.
	AccessToken, RefreshToken string
	ExpiresIn                 time.Duration
	// Scopes requested besides those Weaviate announces.
	Scopes []string
	// Env names, by attribute (client_secret, password, access_token,
	// refresh_token), the environment variable the secret was read from, so
	// that messages can say which one to fix.
	Env map[string]string
}

// String describes the configuration without its secrets, so that a %v
// of a struct holding one never prints them.
func (c Config) String() string { return "auth." + string(c.Method) }

// GoString is String for %#v.
func (c Config) GoString() string { return c.String() }

// secrets are the non-empty secrets of the configuration.
func (c *Config) secrets() []string {
	var out []string
	for _, s := range []string{c.ClientSecret, c.Password, c.AccessToken, c.RefreshToken} {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// from says where the secret of attribute attr came from, e.g.
// "client_secret (from $WEAVIATE_CLIENT_SECRET)".
func (c *Config) from(attr string) string {
	if name := c.Env[attr]; name != "" {
		return fmt.Sprintf("%s (from $%s)", attr, name)
	}
	return attr
}

// Session is an authenticated session with one Weaviate. It is established
// on the first Token call, so that building a client never touches the
// network.
type Session struct {
	cfg     Config
	rest    *url.URL
	timeout time.Duration

	mu     sync.Mutex
	src    oauth2.TokenSource // nil until established
	expiry time.Time          // a token that cannot be renewed: when it expires
	seen   []string           // every token handed out, to redact them
}

// New returns a session for the Weaviate whose REST endpoint is rest.
// timeout bounds each request to Weaviate and to the identity provider.
func New(cfg Config, rest *url.URL, timeout time.Duration) *Session {
	return &Session{cfg: cfg, rest: rest, timeout: timeout}
}

// Method returns how the session authenticates.
func (s *Session) Method() Method { return s.cfg.Method }

// Token returns a valid access token, establishing the session on first
// use and renewing the token when it has expired.
func (s *Session) Token(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.src == nil {
		if err := s.establish(ctx); err != nil {
			return "", err
		}
	}
	if ctx.Err() != nil {
		return "", ctx.Err()
	}
	var tok *oauth2.Token
	err := s.bounded(ctx, func() (err error) {
		tok, err = s.src.Token()
		return err
	})
	if errors.Is(err, errTimeout) || errors.Is(err, ctx.Err()) && ctx.Err() != nil {
		return "", err
	}
	if err != nil {
		return "", s.tokenError(err)
	}
	if !s.expiry.IsZero() && !time.Now().Before(s.expiry) {
		return "", s.redact(s.expiredError())
	}
	if !tok.Expiry.IsZero() && !time.Now().Before(tok.Expiry) {
		// A source that cannot renew hands out its last token, expired.
		return "", &Error{msg: fmt.Sprintf("%sthe token of weaviate.auth.%s expired at %s and the identity provider gave no refresh token to renew it: run colstate again for a new one, or ask the provider to issue refresh tokens (scope offline_access) or tokens that outlive a run",
			ErrorPrefix, s.cfg.Method, tok.Expiry.UTC().Format(time.RFC3339))}
	}
	if !slices.Contains(s.seen, tok.AccessToken) {
		s.seen = append(s.seen, tok.AccessToken)
		if tok.RefreshToken != "" && !slices.Contains(s.seen, tok.RefreshToken) {
			s.seen = append(s.seen, tok.RefreshToken)
		}
	}
	return tok.AccessToken, nil
}

// establish runs the go-client's flow for the configured method: it asks
// Weaviate for its OIDC configuration, the identity provider for its token
// endpoint, and (client credentials, password) for a first token.
func (s *Session) establish(ctx context.Context) error {
	var flow wvauth.Config
	switch s.cfg.Method {
	case ClientCredentials:
		flow = wvauth.ClientCredentials{ClientSecret: s.cfg.ClientSecret, Scopes: s.cfg.Scopes}
	case Password:
		flow = wvauth.ResourceOwnerPasswordFlow{Username: s.cfg.Username, Password: s.cfg.Password, Scopes: s.cfg.Scopes}
	case BearerToken:
		expires := s.cfg.ExpiresIn
		if expires == 0 {
			if exp, ok := jwtExpiry(s.cfg.AccessToken); ok {
				expires = time.Until(exp)
			}
		}
		if s.cfg.RefreshToken == "" && expires != 0 {
			s.expiry = time.Now().Add(expires)
		}
		flow = wvauth.BearerToken{AccessToken: s.cfg.AccessToken, RefreshToken: s.cfg.RefreshToken, ExpiresIn: uint(max(expires, 0) / time.Second)}
	default:
		return fmt.Errorf(ErrorPrefix+"unknown method %q (use client_credentials, password or bearer_token)", s.cfg.Method)
	}
	host := s.rest.Host + strings.TrimSuffix(s.rest.Path, "/")
	con := connection.NewConnection(s.rest.Scheme, host, nil, s.timeout, nil)
	// Its finalizer sends on a channel nobody reads without a refresh
	// goroutine, which would block the runtime's finalizer goroutine for
	// good once con is collected.
	runtime.SetFinalizer(con, nil)
	if err := s.checkWeaviateOIDC(ctx); err != nil {
		return err
	}
	var hc *http.Client
	err := s.bounded(ctx, func() (err error) {
		hc, _, err = quiet(func() (*http.Client, map[string]string, error) { return flow.GetAuthInfo(con) })
		return err
	})
	if errors.Is(err, errTimeout) || errors.Is(err, ctx.Err()) && ctx.Err() != nil {
		return err
	}
	if err != nil {
		return s.tokenError(err)
	}
	if hc == nil {
		return s.noOIDC()
	}
	tr, ok := hc.Transport.(*oauth2.Transport)
	if !ok || tr.Source == nil {
		return fmt.Errorf(ErrorPrefix+"the go-client's %s flow returned no token source (transport %T)", s.cfg.Method, hc.Transport)
	}
	s.src = tr.Source
	return nil
}

// errTimeout is the error of a call to the identity provider that did not
// answer within the session's timeout.
var errTimeout = errors.New("the identity provider did not answer in time")

// bounded runs fn, which talks to the identity provider through oauth2's
// default HTTP client (the go-client's flows give it no context and no
// timeout), and gives up when ctx ends (Ctrl-C) or the timeout passes. fn
// may go on in the background; the token sources it uses are safe for
// concurrent use.
func (s *Session) bounded(ctx context.Context, fn func() error) error {
	done := make(chan error, 1)
	go func() { done <- fn() }()
	t := time.NewTimer(s.timeout)
	defer t.Stop()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return fmt.Errorf("%sgetting a token (%s): %w (%s): check that it is up and reachable from here", ErrorPrefix, s.cfg.Method, errTimeout, s.timeout)
	}
}

// logMu serialises quiet's swap of the standard logger.
var logMu sync.Mutex

// quiet runs one of the go-client's flows with the standard logger
// silenced: they print notes such as "Auth002: Your access token is valid
// for <a timestamp>" to stderr, which colstate's own errors say better
// when it matters. colstate itself does not use the standard logger.
func quiet(fn func() (*http.Client, map[string]string, error)) (*http.Client, map[string]string, error) {
	logMu.Lock()
	defer logMu.Unlock()
	prev := log.Writer()
	log.SetOutput(io.Discard)
	defer log.SetOutput(prev)
	return fn()
}

// checkWeaviateOIDC refuses a server without OIDC before the go-client
// would silently fall back to anonymous access (its "Auth001" case), and
// says where its settings come from when it answers anything else.
func (s *Session) checkWeaviateOIDC(ctx context.Context) error {
	u := s.rest.JoinPath("/v1/.well-known/openid-configuration")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	resp, err := (&http.Client{Timeout: s.timeout}).Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf(ErrorPrefix+"read Weaviate's OIDC configuration at %s: %w (is Weaviate running at %s?)", redact.Of(u), err, redact.Of(s.rest))
	}
	resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		return nil
	case http.StatusNotFound:
		return s.noOIDC()
	}
	return fmt.Errorf(ErrorPrefix+"Weaviate's OIDC configuration at %s answered %s", u, resp.Status)
}

func (s *Session) noOIDC() error {
	return fmt.Errorf(ErrorPrefix+"the Weaviate at %s has no OIDC configured (GET /v1/.well-known/openid-configuration answered 404), so it cannot accept the %s of weaviate.auth: remove the auth block, use api_key if the server expects an API key, or enable OIDC on the server (AUTHENTICATION_OIDC_ENABLED)", redact.Of(s.rest), s.cfg.Method)
}

// tokenError words a failure to get or renew a token: which credential to
// check, and what the identity provider said, without any secret.
func (s *Session) tokenError(err error) error {
	var what string
	switch s.cfg.Method {
	case ClientCredentials:
		what = "check " + s.cfg.from("client_secret") + " in weaviate.auth.client_credentials, and that the identity provider knows the client id Weaviate announces (AUTHENTICATION_OIDC_CLIENT_ID)"
	case Password:
		what = fmt.Sprintf("check username %q and %s in weaviate.auth.password, and that the identity provider allows the password grant for the client id Weaviate announces", s.cfg.Username, s.cfg.from("password"))
	case BearerToken:
		what = "the refresh token was refused: put a fresh " + s.cfg.from("access_token") + " and " + s.cfg.from("refresh_token") + " in the environment, or use client_credentials"
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		said := re.ErrorCode
		if re.ErrorDescription != "" {
			said += ": " + re.ErrorDescription
		}
		if said == "" && re.Response != nil {
			said = re.Response.Status
		}
		return s.redact(&Error{msg: fmt.Sprintf(ErrorPrefix+"the identity provider refused the %s (%s): %s", s.cfg.Method, said, what), err: err})
	}
	return s.redact(&Error{msg: fmt.Sprintf(ErrorPrefix+"getting a token (%s): %v: %s", s.cfg.Method, err, what), err: err})
}

func (s *Session) expiredError() error {
	return &Error{msg: fmt.Sprintf(ErrorPrefix+"the bearer token in %s expired at %s and there is no refresh_token to renew it: put a fresh token in the environment, add refresh_token to weaviate.auth.bearer_token, or use client_credentials",
		s.cfg.from("access_token"), s.expiry.UTC().Format(time.RFC3339))}
}

// Hint is what a 401 or 403 from Weaviate should add: which credential to
// check. A 401 for a bearer token that cannot be renewed most likely means
// it has expired.
func (s *Session) Hint(status int) string {
	if status == http.StatusForbidden {
		return fmt.Sprintf("forbidden: the OIDC user of weaviate.auth.%s lacks the permission for this", s.cfg.Method)
	}
	switch s.cfg.Method {
	case BearerToken:
		if s.cfg.RefreshToken == "" {
			return "unauthorized: Weaviate refused the bearer token of weaviate.auth.bearer_token (" + s.cfg.from("access_token") + "); it has no refresh_token, so once it expires colstate cannot renew it: put a fresh token in the environment, add refresh_token, or use client_credentials"
		}
		return "unauthorized: Weaviate refused the token renewed from weaviate.auth.bearer_token: check that the identity provider is the one Weaviate trusts (AUTHENTICATION_OIDC_ISSUER)"
	}
	return fmt.Sprintf("unauthorized: Weaviate refused the token obtained with weaviate.auth.%s: check that the identity provider is the one Weaviate trusts (AUTHENTICATION_OIDC_ISSUER) and the token's audience is Weaviate's client id (AUTHENTICATION_OIDC_CLIENT_ID)", s.cfg.Method)
}

// Redact replaces every secret and every token the session knows in err's
// message with "***". The result still unwraps to err.
func (s *Session) Redact(err error) error {
	if err == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.redact(err)
}

func (s *Session) redact(err error) error {
	msg := err.Error()
	clean := msg
	for _, secret := range append(s.cfg.secrets(), s.seen...) {
		clean = strings.ReplaceAll(clean, secret, "***")
	}
	if clean == msg {
		return err
	}
	return &Error{msg: clean, err: err}
}

// ErrorPrefix starts the message of every error the session returns, so
// that one wrapped by gRPC can still be recognised.
const ErrorPrefix = "weaviate auth: "

// Error is an authentication failure whose message names no secret; it
// unwraps to the underlying error so that retries can classify it.
type Error struct {
	msg string
	err error
}

func (e *Error) Error() string { return e.msg }
func (e *Error) Unwrap() error { return e.err }

// jwtExpiry reads the exp claim of a JWT without verifying it: only to
// know when a token will stop working.
func jwtExpiry(token string) (time.Time, bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return time.Time{}, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return time.Time{}, false
	}
	var claims struct {
		Exp json.Number `json:"exp"`
	}
	if json.Unmarshal(payload, &claims) != nil || claims.Exp == "" {
		return time.Time{}, false
	}
	secs, err := claims.Exp.Float64()
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(int64(secs), 0), true
}

// PerRPC returns gRPC per-call credentials that carry the session's
// current token as "authorization: Bearer ..." metadata, which is where
// Weaviate's gRPC API reads it.
func (s *Session) PerRPC() credentials.PerRPCCredentials { return perRPC{s} }

type perRPC struct{ s *Session }

func (p perRPC) GetRequestMetadata(ctx context.Context, _ ...string) (map[string]string, error) {
	tok, err := p.s.Token(ctx)
	if err != nil {
		return nil, err
	}
	return map[string]string{"authorization": "Bearer " + tok}, nil
}

// RequireTransportSecurity is false: like the API key, the token goes to
// the endpoint the configuration names, TLS or not (grpc_url decides).
func (perRPC) RequireTransportSecurity() bool { return false }
