package auth_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/weaviate/weaviate-go-client/v4/weaviate"
	pb "github.com/weaviate/weaviate/grpc/generated/protocol/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/colstate/colstate/internal/auth"
	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/live/livetest"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/weaviateproc"
	"github.com/colstate/colstate/internal/weaviatetest"
)

// This package's Weaviate trusts the in-test identity provider idp and
// refuses anonymous requests: every call in these tests must carry a token
// the provider signed.
var (
	idp      *issuer
	wv       *weaviateproc.Server
	setupErr error
)

const (
	clientID = "colstate-test"
	user     = "alice"
)

// Secrets are random per run, so that finding one in colstate's output or
// files can only mean colstate wrote it there.
var (
	clientSecret  = "cs-" + randomString()
	alicePassword = "pw-" + randomString()
)

func TestMain(m *testing.M) { os.Exit(testMain(m)) }

func testMain(m *testing.M) int {
	var err error
	if idp, err = newIssuer(clientID, clientSecret, map[string]string{user: alicePassword}); err != nil {
		fmt.Fprintln(os.Stderr, "issuer:", err)
		return 1
	}
	defer idp.srv.Close()
	dir, err := os.MkdirTemp("", "colstate-oidc-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	wv, setupErr = weaviatetest.Start(dir, map[string]string{
		"AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED": "false",
		"AUTHENTICATION_OIDC_ENABLED":             "true",
		"AUTHENTICATION_OIDC_ISSUER":              idp.URL(),
		"AUTHENTICATION_OIDC_CLIENT_ID":           clientID,
		"AUTHENTICATION_OIDC_USERNAME_CLAIM":      "sub",
		"ENABLE_MODULES":                          "backup-filesystem",
		"BACKUP_FILESYSTEM_PATH":                  filepath.Join(dir, "backups"),
	})
	if setupErr != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "server.log"))
		fmt.Fprintf(os.Stderr, "no OIDC Weaviate for this package: %v\n%s\n", setupErr, log)
	}
	code := m.Run()
	if wv != nil {
		if err := wv.Stop(30 * time.Second); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
	return code
}

// server returns the package's OIDC Weaviate; without one the test fails
// under CI=true and is skipped otherwise.
func server(t *testing.T) *weaviateproc.Server {
	t.Helper()
	if wv == nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Weaviate is required in CI: %v", setupErr)
		}
		t.Skipf("SKIPPED: no Weaviate (%v)", setupErr)
	}
	return wv
}

// lifetime sets the lifetime of the tokens issued during the test.
func lifetime(t *testing.T, d time.Duration) {
	idp.setLifetime(d)
	t.Cleanup(func() { idp.setLifetime(time.Hour) })
}

func newClient(t *testing.T, a *auth.Config) *live.Client {
	t.Helper()
	srv := server(t)
	c, err := live.New(live.Options{URL: srv.URL, GRPCURL: srv.GRPCAddr, Auth: a})
	if err != nil {
		t.Fatal(err)
	}
	c.Retry = live.Backoff{Attempts: 2, Initial: time.Millisecond, Max: time.Millisecond}
	t.Cleanup(func() { c.Close() })
	return c
}

func clientCredentials(secret string) *auth.Config {
	return &auth.Config{Method: auth.ClientCredentials, ClientSecret: secret, Env: map[string]string{"client_secret": "WEAVIATE_CLIENT_SECRET"}}
}

// roundTrip uses both paths: it creates a collection over REST, writes n
// objects through a gRPC batch and reads them back through gRPC Search.
func roundTrip(t *testing.T, c *live.Client, name string, seed int) error {
	t.Helper()
	ctx := context.Background()
	if _, err := c.Class(ctx, name); errors.Is(err, live.ErrNotFound) {
		if err := c.CreateRaw(ctx, livetest.AuthorClass(name)); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	want := livetest.Authors(seed, 5)
	if err := livetest.Insert(ctx, c, name, want); err != nil {
		return err
	}
	got, err := livetest.ReadAll(ctx, c, name)
	if err != nil {
		return err
	}
	for _, o := range want {
		if got["/"+o.ID] == nil {
			return fmt.Errorf("object %s not read back (%d read)", o.ID, len(got))
		}
	}
	return nil
}

// Weaviate refuses anonymous calls on both paths: the tests below prove
// something only because of that.
func TestAnonymousRefused(t *testing.T) {
	c := newClient(t, nil)
	_, err := c.Collections(context.Background())
	var se *live.StatusError
	if !errors.As(err, &se) || se.Status != http.StatusUnauthorized {
		t.Fatalf("anonymous REST call: %v, want a 401", err)
	}
	// Weaviate 1.35 answers Search with code Unknown, "extract auth: ...".
	// internal/live's authFailure relies on this form.
	if err := rawSearch(t, nil); status.Code(err) != codes.Unknown || !strings.HasPrefix(status.Convert(err).Message(), "extract auth: unauthorized") {
		t.Fatalf("anonymous gRPC call: %v, want code Unknown, \"extract auth: unauthorized...\"", err)
	}
}

func TestClientCredentialsRESTAndGRPC(t *testing.T) {
	before := idp.Grants("client_credentials")
	c := newClient(t, clientCredentials(clientSecret))
	if err := roundTrip(t, c, weaviatetest.Name(t, "Oidc"), 1); err != nil {
		t.Fatal(err)
	}
	// One token served every call: it had an hour to live.
	if n := idp.Grants("client_credentials") - before; n != 1 {
		t.Fatalf("%d tokens issued, want 1", n)
	}
}

// Code that makes its own REST calls (a weaviate-go-client, say) signs
// them with the client's token through HTTPClient.
func TestHTTPClientSigns(t *testing.T) {
	c := newClient(t, clientCredentials(clientSecret))
	resp, err := c.HTTPClient().Get(server(t).URL + "/v1/schema")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /v1/schema through HTTPClient: %s", resp.Status)
	}
	u := mustURL(server(t).URL)
	wc, err := weaviate.NewClient(weaviate.Config{Host: u.Host, Scheme: u.Scheme, ConnectionClient: c.HTTPClient()})
	if err != nil {
		t.Fatal(err)
	}
	meta, err := wc.Misc().MetaGetter().Do(context.Background())
	if err != nil || meta.Version == "" {
		t.Fatalf("go-client meta through HTTPClient: %+v, %v", meta, err)
	}
}

// A token that expires during a run is replaced by a fresh one: the run
// goes on over REST and gRPC. Tokens live 11 s; oauth2 renews them 10 s
// before they expire, so the first one is due after about a second.
func TestTokenRefreshedMidRun(t *testing.T) {
	lifetime(t, 11*time.Second)
	before := idp.Grants("client_credentials")
	c := newClient(t, clientCredentials(clientSecret))
	name := weaviatetest.Name(t, "Oidc")
	if err := roundTrip(t, c, name, 1); err != nil {
		t.Fatal(err)
	}
	first := idp.Issued()
	time.Sleep(1500 * time.Millisecond) // let the first token come due
	if err := roundTrip(t, c, name, 2); err != nil {
		t.Fatal(err)
	}
	if n := idp.Grants("client_credentials") - before; n < 2 {
		t.Fatalf("%d tokens issued over the run, want a renewal", n)
	}
	if last := idp.Issued(); len(last) == len(first) {
		t.Fatal("no new token after the first expired")
	}
}

// The password flow gets a refresh token with its first token and renews
// with it, not with the password again.
func TestPasswordFlowRefreshes(t *testing.T) {
	lifetime(t, 11*time.Second)
	before, refreshed := idp.Grants("password"), idp.Grants("refresh_token")
	c := newClient(t, &auth.Config{Method: auth.Password, Username: user, Password: alicePassword})
	name := weaviatetest.Name(t, "Oidc")
	if err := roundTrip(t, c, name, 1); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	if err := roundTrip(t, c, name, 2); err != nil {
		t.Fatal(err)
	}
	if idp.Grants("password")-before != 1 || idp.Grants("refresh_token")-refreshed < 1 {
		t.Fatalf("password grants %d, refresh grants %d; want 1 and at least 1",
			idp.Grants("password")-before, idp.Grants("refresh_token")-refreshed)
	}
}

// A password grant without a refresh token lasts one token: once it has
// expired, calls fail saying so instead of sending it.
func TestPasswordWithoutRefreshExpires(t *testing.T) {
	lifetime(t, 2*time.Second)
	idp.noRefresh.Store(true)
	defer idp.noRefresh.Store(false)
	c := newClient(t, &auth.Config{Method: auth.Password, Username: user, Password: alicePassword})
	if _, err := c.Collections(context.Background()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2500 * time.Millisecond) // past the token's expiry
	_, err := c.Collections(context.Background())
	if err == nil || !strings.Contains(err.Error(), "the token of weaviate.auth.password expired at") || !strings.Contains(err.Error(), "gave no refresh token") {
		t.Fatalf("after expiry: %v", err)
	}
}

// A wrong secret fails on either path with a message that says which
// setting to check, and never the secret.
func TestWrongSecret(t *testing.T) {
	wrong := "wrong-" + randomString()
	for _, path := range []string{"REST", "gRPC"} {
		t.Run(path, func(t *testing.T) {
			var err error
			if path == "REST" {
				_, err = newClient(t, clientCredentials(wrong)).Collections(context.Background())
			} else {
				err = rawSearch(t, auth.New(*clientCredentials(wrong), mustURL(server(t).URL), time.Minute).PerRPC())
			}
			if err == nil {
				t.Fatal("a wrong client secret was accepted")
			}
			msg := err.Error()
			for _, want := range []string{"identity provider refused the client_credentials", "invalid_client", "client_secret (from $WEAVIATE_CLIENT_SECRET)"} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not say %q", msg, want)
				}
			}
			if strings.Contains(msg, wrong) || strings.Contains(msg, clientSecret) || strings.Contains(msg, "api_key") {
				t.Errorf("error %q shows the secret or the API-key hint", msg)
			}
		})
	}
}

func TestWrongPassword(t *testing.T) {
	wrong := "wrong-" + randomString()
	c := newClient(t, &auth.Config{Method: auth.Password, Username: user, Password: wrong, Env: map[string]string{"password": "WEAVIATE_PASSWORD"}})
	_, err := c.Collections(context.Background())
	want := `weaviate auth: the identity provider refused the password (invalid_grant: invalid user credentials): check username "alice" and password (from $WEAVIATE_PASSWORD) in weaviate.auth.password`
	if err == nil || !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), wrong) {
		t.Fatalf("error %v\nwant it to start %q, without the password", err, want)
	}
}

// An identity provider that does not answer does not hang colstate: the
// wait ends after the client's timeout, or at once on Ctrl-C.
func TestSilentProvider(t *testing.T) {
	release := make(chan struct{})
	idp.hang.Store(&release)
	defer func() { idp.hang.Store(nil); close(release) }()
	s := auth.New(*clientCredentials(clientSecret), mustURL(server(t).URL), 300*time.Millisecond)
	start := time.Now()
	_, err := s.Token(context.Background())
	if err == nil || !strings.Contains(err.Error(), "the identity provider did not answer in time (300ms)") || time.Since(start) > 5*time.Second {
		t.Fatalf("after %s: %v", time.Since(start), err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s = auth.New(*clientCredentials(clientSecret), mustURL(server(t).URL), time.Hour)
	time.AfterFunc(100*time.Millisecond, cancel)
	if _, err := s.Token(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

// Whatever an error quotes, the session's secrets and tokens come out as
// ***, and the error still unwraps to the original.
func TestRedact(t *testing.T) {
	s := auth.New(auth.Config{Method: auth.BearerToken, AccessToken: "tok-123", RefreshToken: "ref-456"}, mustURL("http://127.0.0.1:1"), time.Second)
	orig := errors.New(`provider said: "tok-123" and ref-456 are bad`)
	err := s.Redact(orig)
	if err.Error() != `provider said: "***" and *** are bad` || !errors.Is(err, orig) {
		t.Fatalf("redacted: %q (unwraps: %v)", err, errors.Is(err, orig))
	}
	if clean := errors.New("nothing secret"); s.Redact(clean) != clean {
		t.Fatal("an error without secrets was rewrapped")
	}
	if fmt.Sprintf("%v %+v %#v", auth.Config{ClientSecret: "cs-1", Method: auth.ClientCredentials}, auth.Config{ClientSecret: "cs-1"}, auth.Config{ClientSecret: "cs-1"}) != "auth.client_credentials auth. auth." {
		t.Fatal("printing a Config shows its secrets")
	}
}

// A bearer token with a refresh token is renewed through the provider's
// token endpoint that Weaviate announces.
func TestBearerWithRefresh(t *testing.T) {
	lifetime(t, 11*time.Second)
	access, refresh, err := idp.passwordToken(user, alicePassword)
	if err != nil {
		t.Fatal(err)
	}
	refreshed := idp.Grants("refresh_token")
	c := newClient(t, &auth.Config{Method: auth.BearerToken, AccessToken: access, RefreshToken: refresh})
	name := weaviatetest.Name(t, "Oidc")
	if err := roundTrip(t, c, name, 1); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	if err := roundTrip(t, c, name, 2); err != nil {
		t.Fatal(err)
	}
	if idp.Grants("refresh_token") == refreshed {
		t.Fatal("the bearer token was not renewed with its refresh token")
	}
}

// A bearer token without a refresh token works until it expires, and
// then every call fails saying so, on both paths. Weaviate itself refuses
// the expired token: colstate's check only says it sooner and clearer.
func TestBearerWithoutRefreshExpires(t *testing.T) {
	lifetime(t, 3*time.Second)
	access, _, err := idp.passwordToken(user, alicePassword)
	if err != nil {
		t.Fatal(err)
	}
	exp := time.Now().Add(3 * time.Second)
	c := newClient(t, &auth.Config{Method: auth.BearerToken, AccessToken: access, Env: map[string]string{"access_token": "WEAVIATE_ACCESS_TOKEN"}})
	name := weaviatetest.Name(t, "Oidc")
	if err := roundTrip(t, c, name, 1); err != nil {
		t.Fatal(err)
	}
	cl, err := c.Class(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Until(exp) + time.Second)
	for _, path := range []string{"REST", "gRPC"} {
		var err error
		if path == "REST" {
			_, err = c.Collections(context.Background())
		} else {
			// Only gRPC: the client has checked its endpoints already.
			err = c.ReadObjects(context.Background(), live.SchemaOf(cl), live.ReadOptions{}, func(*object.Object) error { return nil })
		}
		if err == nil {
			t.Fatalf("%s: an expired bearer token still worked", path)
		}
		msg := err.Error()
		if !strings.Contains(msg, "the bearer token in access_token (from $WEAVIATE_ACCESS_TOKEN) expired at") || !strings.Contains(msg, "no refresh_token") {
			t.Errorf("%s: error %q does not say the token expired", path, msg)
		}
		if strings.Contains(msg, access) {
			t.Errorf("%s: error shows the token", path)
		}
	}
	// Weaviate refuses the expired token itself.
	req, _ := http.NewRequest(http.MethodGet, server(t).URL+"/v1/schema", nil)
	req.Header.Set("Authorization", "Bearer "+access)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("Weaviate answered %s to an expired token", resp.Status)
	}
}

// A token Weaviate refuses (an opaque one, not signed by the provider)
// gets the OIDC hint, not the API-key one, and the token stays out of it.
func TestRefusedTokenHint(t *testing.T) {
	bogus := "opaque-" + randomString()
	c := newClient(t, &auth.Config{Method: auth.BearerToken, AccessToken: bogus, Env: map[string]string{"access_token": "WEAVIATE_ACCESS_TOKEN"}})
	_, err := c.Collections(context.Background())
	if err == nil || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "Weaviate refused the bearer token of weaviate.auth.bearer_token") {
		t.Fatalf("REST: %v", err)
	}
	if strings.Contains(err.Error(), bogus) {
		t.Fatalf("REST error shows the token: %v", err)
	}
}

// rawSearch calls gRPC Search on a collection that need not exist, with
// creds (none when nil), and returns the error.
func rawSearch(t *testing.T, creds credentials.PerRPCCredentials) error {
	t.Helper()
	opts := []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
	if creds != nil {
		opts = append(opts, grpc.WithPerRPCCredentials(creds))
	}
	conn, err := grpc.NewClient(server(t).GRPCAddr, opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, err = pb.NewWeaviateClient(conn).Search(context.Background(), &pb.SearchRequest{Collection: "Absent", Limit: 1})
	return err
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}
