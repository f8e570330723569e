package live

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	pb "github.com/weaviate/weaviate/grpc/generated/protocol/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"github.com/colstate/colstate/internal/redact"
)

// maxMessage lifts grpc-go's 4 MB default: one page of objects with large
// vectors or blobs is bigger than that.
const maxMessage = 512 << 20

// rpcConn is the client's gRPC connection, dialled on first use so that
// schema-only commands never need the gRPC port.
type rpcConn struct {
	addr   string
	target string // what was dialled: addr, or the default derived from the REST URL
	once   sync.Once
	conn   *grpc.ClientConn
	wv     pb.WeaviateClient
	err    error
}

// grpcClient returns the Weaviate gRPC client for a call about collection
// (empty when none), connecting on first use. Before the first call it
// establishes that the gRPC endpoint reaches the same Weaviate as the REST
// one (endpoints.go).
func (c *Client) grpcClient(ctx context.Context, collection string) (pb.WeaviateClient, error) {
	wv, err := c.dial()
	if err != nil {
		return nil, err
	}
	if err := c.checkEndpoints(ctx, wv, collection); err != nil {
		return nil, err
	}
	return wv, nil
}

// dial connects the gRPC client once.
func (c *Client) dial() (pb.WeaviateClient, error) {
	c.rpc.once.Do(func() {
		addr, useTLS, err := grpcTarget(c.rpc.addr, c.base)
		if err != nil {
			c.rpc.err = err
			return
		}
		c.rpc.target = addr
		creds := insecure.NewCredentials()
		if useTLS {
			creds = credentials.NewTLS(&tls.Config{MinVersion: tls.VersionTLS12})
		}
		opts := []grpc.DialOption{
			grpc.WithTransportCredentials(creds),
			grpc.WithConnectParams(c.connectParams()),
			grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMessage), grpc.MaxCallSendMsgSize(maxMessage)),
		}
		if c.oidc != nil {
			opts = append(opts, grpc.WithPerRPCCredentials(c.oidc.PerRPC()), grpc.WithChainUnaryInterceptor(c.oidcHint))
		}
		conn, err := grpc.NewClient(addr, opts...)
		if err != nil {
			c.rpc.err = fmt.Errorf("weaviate gRPC %s: %w", addr, err)
			return
		}
		c.rpc.conn, c.rpc.wv = conn, pb.NewWeaviateClient(conn)
	})
	return c.rpc.wv, c.rpc.err
}

// connectParams keep grpc-go's reconnect backoff within the client's own
// retry budget. grpc-go's default waits 1s after a dropped connection and
// up to 2 minutes after repeated ones, failing every call meanwhile, so a
// few connection resets used up all of Retry's attempts while the channel
// was still backing off.
func (c *Client) connectParams() grpc.ConnectParams {
	b := backoff.DefaultConfig
	if c.Retry.Initial > 0 {
		b.BaseDelay = c.Retry.Initial
	}
	if c.Retry.Max > 0 {
		b.MaxDelay = max(c.Retry.Max, b.BaseDelay)
	}
	return grpc.ConnectParams{Backoff: b, MinConnectTimeout: 20 * time.Second}
}

// grpcTarget turns the configured gRPC address into a dial target: host:port
// as is, or a URL whose scheme says whether to use TLS. With no address, the
// REST host on port 50051 (Weaviate's default).
func grpcTarget(addr string, rest *url.URL) (string, bool, error) {
	useTLS := rest.Scheme == "https"
	if addr == "" {
		return rest.Hostname() + ":50051", useTLS, nil
	}
	if scheme, rest, ok := strings.Cut(addr, "://"); ok {
		switch scheme {
		case "https", "grpcs":
			useTLS = true
		case "http", "grpc":
			useTLS = false
		default:
			return "", false, fmt.Errorf("weaviate grpc_url %q: unknown scheme %q (use host:port)", redact.URL(addr), scheme)
		}
		addr = strings.TrimSuffix(rest, "/")
		return addr, useTLS, nil
	}
	// A bare host:port: port 443 means TLS whatever the REST scheme, so an
	// API key never goes out in clear text to a TLS endpoint.
	if strings.HasSuffix(addr, ":443") {
		useTLS = true
	}
	return addr, useTLS, nil
}

// rpcContext adds the API key, as Weaviate's gRPC API expects it.
func (c *Client) rpcContext(ctx context.Context) context.Context {
	if c.apiKey == "" {
		return ctx
	}
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+c.apiKey)
}

// Close closes the gRPC connection, if one was opened.
func (c *Client) Close() error {
	if c.rpc.conn != nil {
		return c.rpc.conn.Close()
	}
	return nil
}
