package auth_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// issuer is a small OpenID Connect provider for tests: discovery document,
// JWKS with one RSA key, and a token endpoint that grants client
// credentials, resource-owner passwords and refresh tokens. Its tokens are
// RS256 JWTs with the claims Weaviate checks (iss, aud, exp, sub).
type issuer struct {
	srv      *httptest.Server
	key      *rsa.PrivateKey
	clientID string
	secret   string            // the one client secret it accepts
	users    map[string]string // username → password
	// lifetime of the tokens it issues, in milliseconds (tests change it).
	lifetime atomic.Int64
	// hang, when set, holds every token request until it is closed or
	// the client gives up.
	hang atomic.Pointer[chan struct{}]
	// noRefresh, when set, leaves refresh tokens out of password grants.
	noRefresh atomic.Bool

	mu      sync.Mutex
	issued  []string       // every access and refresh token, in order
	grants  map[string]int // grant_type → tokens issued
	refresh map[string]string
}

func newIssuer(clientID, secret string, users map[string]string) (*issuer, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	is := &issuer{key: key, clientID: clientID, secret: secret, users: users, grants: map[string]int{}, refresh: map[string]string{}}
	is.lifetime.Store(int64(time.Hour / time.Millisecond))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", is.discovery)
	mux.HandleFunc("GET /jwks", is.jwks)
	mux.HandleFunc("POST /token", is.token)
	is.srv = httptest.NewServer(mux)
	return is, nil
}

func (is *issuer) URL() string { return is.srv.URL }

func (is *issuer) setLifetime(d time.Duration) { is.lifetime.Store(int64(d / time.Millisecond)) }

// Issued returns every token issued so far.
func (is *issuer) Issued() []string {
	is.mu.Lock()
	defer is.mu.Unlock()
	return append([]string(nil), is.issued...)
}

// Grants returns how many tokens each grant type produced.
func (is *issuer) Grants(grant string) int {
	is.mu.Lock()
	defer is.mu.Unlock()
	return is.grants[grant]
}

func (is *issuer) discovery(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                is.URL(),
		"authorization_endpoint":                is.URL() + "/authorize",
		"token_endpoint":                        is.URL() + "/token",
		"jwks_uri":                              is.URL() + "/jwks",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"grant_types_supported":                 []string{"client_credentials", "password", "refresh_token"},
	})
}

func (is *issuer) jwks(w http.ResponseWriter, _ *http.Request) {
	pub := is.key.PublicKey
	writeJSON(w, http.StatusOK, map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "use": "sig", "alg": "RS256", "kid": "k1",
		"n": b64(pub.N.Bytes()),
		"e": b64(big.NewInt(int64(pub.E)).Bytes()),
	}}})
}

// token implements RFC 6749's token endpoint for three grants. A client
// authenticates with HTTP Basic or with form fields, as oauth2 tries both.
func (is *issuer) token(w http.ResponseWriter, r *http.Request) {
	if h := is.hang.Load(); h != nil {
		select {
		case <-*h:
		case <-r.Context().Done():
			return
		}
	}
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "unparsable form")
		return
	}
	clientID, secret, basic := r.BasicAuth()
	if basic {
		// RFC 6749 2.3.1: both are form-encoded before Basic encoding.
		clientID, _ = url.QueryUnescape(clientID)
		secret, _ = url.QueryUnescape(secret)
	} else {
		clientID, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if clientID != is.clientID {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "unknown client")
		return
	}
	grant := r.PostForm.Get("grant_type")
	var subject string
	withRefresh := false
	switch grant {
	case "client_credentials":
		if secret != is.secret {
			oauthError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
			return
		}
		subject = "service-" + clientID
	case "password":
		user := r.PostForm.Get("username")
		if pw, ok := is.users[user]; !ok || pw != r.PostForm.Get("password") {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "invalid user credentials")
			return
		}
		subject, withRefresh = user, !is.noRefresh.Load()
	case "refresh_token":
		is.mu.Lock()
		user, ok := is.refresh[r.PostForm.Get("refresh_token")]
		is.mu.Unlock()
		if !ok {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "unknown refresh token")
			return
		}
		subject, withRefresh = user, true
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", grant)
		return
	}
	lifetime := time.Duration(is.lifetime.Load()) * time.Millisecond
	access, err := is.sign(subject, lifetime)
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	resp := map[string]any{"access_token": access, "token_type": "Bearer", "expires_in": int(lifetime / time.Second)}
	is.mu.Lock()
	is.issued = append(is.issued, access)
	is.grants[grant]++
	if withRefresh {
		rt := randomString()
		is.refresh[rt] = subject
		is.issued = append(is.issued, rt)
		resp["refresh_token"] = rt
	}
	is.mu.Unlock()
	writeJSON(w, http.StatusOK, resp)
}

// sign makes an RS256 JWT for subject that expires after lifetime.
func (is *issuer) sign(subject string, lifetime time.Duration) (string, error) {
	now := time.Now()
	header, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": "k1"})
	claims, _ := json.Marshal(map[string]any{
		"iss": is.URL(), "aud": is.clientID, "sub": subject,
		"iat": now.Unix(), "exp": now.Add(lifetime).Unix(), "jti": randomString(),
	})
	signing := b64(header) + "." + b64(claims)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, is.key, crypto.SHA256, sum[:])
	if err != nil {
		return "", err
	}
	return signing + "." + b64(sig), nil
}

// passwordToken asks the issuer for a token directly, as a user
// would before putting it in WEAVIATE_ACCESS_TOKEN.
func (is *issuer) passwordToken(user, password string) (access, refresh string, err error) {
	form := fmt.Sprintf("grant_type=password&client_id=%s&username=%s&password=%s", is.clientID, user, password)
	resp, err := http.Post(is.URL()+"/token", "application/x-www-form-urlencoded", strings.NewReader(form))
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || resp.StatusCode != http.StatusOK {
		return "", "", fmt.Errorf("token: %s %v", resp.Status, err)
	}
	return tok.AccessToken, tok.RefreshToken, nil
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func randomString() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return b64(b)
}
