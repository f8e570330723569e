package live

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/colstate/colstate/internal/auth"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// rpcHint gives a gRPC authentication failure the same hint as REST's 401
// and 403 (StatusError): the bare "code = Unauthenticated" does not say
// which setting to check. An error oidcHint already explained is left as is.
func rpcHint(err error) error {
	var hinted *rpcAuthError
	if errors.As(err, &hinted) {
		return err
	}
	switch {
	case authFailure(err):
		return fmt.Errorf("%w (unauthorized: check the api_key in the weaviate block or WEAVIATE_API_KEY)", err)
	case status.Code(err) == codes.PermissionDenied:
		return fmt.Errorf("%w (forbidden: the API key lacks the permission for this)", err)
	}
	return err
}

// oidcHint is the gRPC interceptor of a client with an auth block: it
// gives an authentication failure the OIDC hint instead of the API-key one,
// and takes any secret or token out of the message.
func (c *Client) oidcHint(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	err := invoker(ctx, method, req, reply, cc, opts...)
	if err == nil {
		return nil
	}
	st, _ := status.FromError(err)
	msg := c.oidc.Redact(errors.New(st.Message())).Error()
	switch {
	case strings.Contains(msg, auth.ErrorPrefix):
		// colstate could not get a token: the message says why.
		_, msg, _ = strings.Cut(msg, auth.ErrorPrefix)
		return &rpcAuthError{st: status.New(st.Code(), auth.ErrorPrefix+msg)}
	case authFailure(err):
		return &rpcAuthError{st: status.New(st.Code(), msg+" ("+c.oidc.Hint(401)+")")}
	case st.Code() == codes.PermissionDenied:
		return &rpcAuthError{st: status.New(st.Code(), msg+" ("+c.oidc.Hint(403)+")")}
	}
	return c.oidc.Redact(err)
}

// authFailure reports whether a gRPC call failed because the server did
// not accept its credentials. Weaviate 1.35 answers a refused token on
// Search with code Unknown, "extract auth: unauthorized: ...", not with
// Unauthenticated.
func authFailure(err error) bool {
	var hinted *rpcAuthError
	if errors.As(err, &hinted) {
		return hinted.st.Code() != codes.PermissionDenied
	}
	st, ok := status.FromError(err)
	if !ok {
		return false
	}
	return st.Code() == codes.Unauthenticated || st.Code() == codes.Unknown && strings.HasPrefix(st.Message(), "extract auth: ")
}

// rpcAuthError is a gRPC authentication failure that already says what to
// check; it keeps its status code for Transient and status.Code.
type rpcAuthError struct{ st *status.Status }

func (e *rpcAuthError) Error() string              { return e.st.Err().Error() }
func (e *rpcAuthError) GRPCStatus() *status.Status { return e.st }

// HTTPClient returns an HTTP client that signs every request with the
// client's credential (the API key, or the current OIDC token), for code
// that makes its own REST calls to the same Weaviate, such as a
// weaviate-go-client built with it as ConnectionClient.
func (c *Client) HTTPClient() *http.Client {
	return &http.Client{Timeout: c.http.Timeout, Transport: signer{c: c, base: http.DefaultTransport}}
}

type signer struct {
	c    *Client
	base http.RoundTripper
}

func (s signer) RoundTrip(req *http.Request) (*http.Response, error) {
	var bearer string
	switch {
	case s.c.oidc != nil:
		tok, err := s.c.oidc.Token(req.Context())
		if err != nil {
			if req.Body != nil {
				req.Body.Close()
			}
			return nil, err
		}
		bearer = tok
	case s.c.apiKey != "":
		bearer = s.c.apiKey
	case s.c.base.User != nil && req.Header.Get("Authorization") == "":
		// Clients handed this one (native backups) build URLs without
		// the user:password@ of weaviate { url }: send it as REST does.
		r := req.Clone(req.Context())
		pw, _ := s.c.base.User.Password()
		r.SetBasicAuth(s.c.base.User.Username(), pw)
		return s.base.RoundTrip(r)
	default:
		return s.base.RoundTrip(req)
	}
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", "Bearer "+bearer)
	return s.base.RoundTrip(r)
}
