package s3test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Version is the versitygw release the tests run against.
const Version = "v1.8.0"

// InstallHint tells a developer how to get the server binary.
const InstallHint = "install it with: go install github.com/versity/versitygw/cmd/versitygw@" + Version +
	" (or run `make versitygw`), and make sure $(go env GOPATH)/bin is on PATH"

// ErrNoBinary is returned when versitygw cannot be found.
var ErrNoBinary = errors.New("versitygw not found on PATH or in GOBIN")

// Region is the region the gateway answers for.
const Region = "us-east-1"

const healthPath = "/health"

// FindBinary looks for versitygw on PATH, then in GOBIN and GOPATH/bin.
func FindBinary() (string, error) {
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p, nil
	}
	var dirs []string
	if gobin := os.Getenv("GOBIN"); gobin != "" {
		dirs = append(dirs, gobin)
	}
	if gopath := os.Getenv("GOPATH"); gopath != "" {
		dirs = append(dirs, filepath.Join(filepath.SplitList(gopath)[0], "bin"))
	}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, "go", "bin"))
	}
	for _, d := range dirs {
		p := filepath.Join(d, "versitygw")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w: %s", ErrNoBinary, InstallHint)
}

// Options configure a gateway.
type Options struct {
	Binary string // path to versitygw; found with FindBinary when empty
	// Dir holds the posix backend's data (Dir/data) and the log
	// (Dir/versitygw.log); required.
	Dir string
	// StartTimeout bounds the wait for the health endpoint (default 30s).
	StartTimeout time.Duration
	// AccessKey and SecretKey are the root credentials; fresh random ones
	// when empty (a second server taking the first one's lets a client
	// with one set of AWS variables reach both).
	AccessKey, SecretKey string
}

// Gateway is a running versitygw: an S3 API on Endpoint that accepts the
// root credentials AccessKey and SecretKey.
type Gateway struct {
	Endpoint  string // http://127.0.0.1:PORT
	Port      int
	AccessKey string
	SecretKey string
	cmd       *exec.Cmd
	done      chan struct{}
	waitErr   error
}

// Start launches versitygw with fresh random root credentials (or those of
// opts) and waits until
// its health endpoint answers. A port taken between choosing and binding
// makes the process exit; Start then tries another port.
func Start(ctx context.Context, opts Options) (*Gateway, error) {
	if opts.Dir == "" {
		return nil, errors.New("s3test: Dir is required")
	}
	bin := opts.Binary
	if bin == "" {
		var err error
		if bin, err = FindBinary(); err != nil {
			return nil, err
		}
	}
	data := filepath.Join(opts.Dir, "data")
	if err := os.MkdirAll(data, 0o700); err != nil {
		return nil, err
	}
	logf, err := os.OpenFile(filepath.Join(opts.Dir, "versitygw.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	defer logf.Close() // the child holds its own descriptor
	timeout := opts.StartTimeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	for attempt := 0; ; attempt++ {
		g, err := start(ctx, bin, data, logf, timeout, opts.AccessKey, opts.SecretKey)
		if errors.Is(err, errExited) && attempt < 3 {
			continue
		}
		return g, err
	}
}

func start(ctx context.Context, bin, data string, log io.Writer, timeout time.Duration, access, secret string) (*Gateway, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	g := &Gateway{
		Endpoint:  fmt.Sprintf("http://127.0.0.1:%d", port),
		Port:      port,
		AccessKey: "colstate-test-" + randomHex(4),
		SecretKey: randomHex(20),
		done:      make(chan struct{}),
	}
	if access != "" {
		g.AccessKey, g.SecretKey = access, secret
	}
	cmd := exec.Command(bin, "--quiet", "--port", "127.0.0.1:"+strconv.Itoa(port),
		"--health", healthPath, "posix", data)
	// Only what the gateway needs: VGW_* variables from the developer's
	// shell must not change how it runs.
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + os.Getenv("HOME"),
		"ROOT_ACCESS_KEY=" + g.AccessKey,
		"ROOT_SECRET_KEY=" + g.SecretKey,
		"VGW_REGION=" + Region,
	}
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = procAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start versitygw: %w", err)
	}
	g.cmd = cmd
	go func() { g.waitErr = cmd.Wait(); close(g.done) }()
	if err := g.waitReady(ctx, timeout); err != nil {
		g.Kill()
		return nil, err
	}
	return g, nil
}

// waitReady polls the health endpoint until it answers 200, the process
// exits, or the timeout passes.
func (g *Gateway) waitReady(ctx context.Context, timeout time.Duration) error {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		resp, err := client.Get(g.Endpoint + healthPath)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-g.done:
			return fmt.Errorf("%w (%v); see its log", errExited, g.waitErr)
		case <-deadline.C:
			return fmt.Errorf("versitygw not ready after %s at %s", timeout, g.Endpoint)
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// Stop asks the gateway to shut down (SIGTERM) and waits for it; after
// timeout it is killed.
func (g *Gateway) Stop(timeout time.Duration) error {
	if g == nil {
		return nil
	}
	_ = g.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-g.done:
		return nil
	case <-time.After(timeout):
		g.Kill()
		return fmt.Errorf("versitygw did not stop within %s; killed", timeout)
	}
}

// Kill stops the gateway at once (SIGKILL) and waits for it to exit.
func (g *Gateway) Kill() {
	if g == nil {
		return
	}
	_ = g.cmd.Process.Kill()
	<-g.done
}

// Client returns an AWS SDK client for the gateway (path style, root
// credentials), for tests that look at objects behind colstate's back.
func (g *Gateway) Client() *s3.Client {
	return s3.New(s3.Options{
		Region:       Region,
		BaseEndpoint: aws.String(g.Endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(g.AccessKey, g.SecretKey, ""),
	})
}

// CreateBucket creates a bucket (names need at least 3 characters).
func (g *Gateway) CreateBucket(ctx context.Context, name string) error {
	_, err := g.Client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)})
	if err != nil {
		return fmt.Errorf("create bucket %s at %s: %w", name, g.Endpoint, err)
	}
	return nil
}

// URL returns the gocloud.dev/blob URL of prefix in Bucket:
// s3://colstate-test/PREFIX?endpoint=...&use_path_style=true&region=us-east-1&disable_https=true.
// gocloud itself ignores the path; colstate reads it as the object key or
// prefix. It holds no credentials: set them with SetEnv or Env.
func (g *Gateway) URL(prefix string) string {
	return g.BucketURL(Bucket, prefix)
}

// BucketURL is URL for another bucket.
func (g *Gateway) BucketURL(bucket, prefix string) string {
	u := url.URL{Scheme: "s3", Host: bucket, Path: "/" + strings.TrimPrefix(prefix, "/")}
	if prefix == "" {
		u.Path = ""
	}
	return u.String() + "?endpoint=" + g.Endpoint + "&use_path_style=true&region=" + Region + "&disable_https=true"
}

// Env returns the environment (KEY=VALUE) under which the AWS SDK's default
// credential chain picks the gateway's root credentials.
func (g *Gateway) Env() []string {
	return []string{
		"AWS_ACCESS_KEY_ID=" + g.AccessKey,
		"AWS_SECRET_ACCESS_KEY=" + g.SecretKey,
		"AWS_SESSION_TOKEN=",
		"AWS_PROFILE=",
		"AWS_EC2_METADATA_DISABLED=true",
	}
}

// WeaviateBackupEnv is the environment under which a weaviate-server's
// backup-s3 module reaches the gateway, with bucket as its configured
// bucket (for weaviatetest.Start).
func (g *Gateway) WeaviateBackupEnv(bucket string) map[string]string {
	return map[string]string{
		"ENABLE_MODULES":        "backup-s3",
		"BACKUP_S3_BUCKET":      bucket,
		"BACKUP_S3_ENDPOINT":    strings.TrimPrefix(g.Endpoint, "http://"),
		"BACKUP_S3_USE_SSL":     "false",
		"AWS_ACCESS_KEY_ID":     g.AccessKey,
		"AWS_SECRET_ACCESS_KEY": g.SecretKey,
		"AWS_REGION":            Region,
	}
}

// SetEnv sets Env in the test's process environment (t.Setenv: not for
// parallel tests), restored when the test ends.
func (g *Gateway) SetEnv(t testing.TB) {
	t.Helper()
	for _, kv := range g.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
