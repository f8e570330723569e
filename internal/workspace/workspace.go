// Package workspace ties one configuration directory to the Weaviate it
// describes and to its state file: it loads the HCL, connects (starting an
// embedded server when asked), and gathers what plans are computed from —
// live schemas and data, content sources, snapshots — for internal/plan,
// which decides. Commands in cmd/colstate are thin wrappers around it.
//
// workspace.go opens and closes (the embedded server too); state.go resolves
// the state file, journal and stores; plan.go and binding.go build and bind
// `colstate plan`; content.go and marks.go read content sources and data
// marks; facts.go and datacmd.go gather the facts of the data commands.
package workspace

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/colstate/colstate/internal/config"
	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/state"
	"github.com/colstate/colstate/internal/weaviateproc"
)

// DiagnosticsError carries configuration problems with their source ranges.
type DiagnosticsError struct{ Diags hcl.Diagnostics }

func (e *DiagnosticsError) Error() string { return e.Diags.Error() }

// LoadConfig reads and validates the configuration in dir.
func LoadConfig(dir string) (*config.Config, error) {
	cfg, diags := config.NewLoader().LoadDir(dir)
	if diags.HasErrors() {
		return nil, &DiagnosticsError{Diags: diags}
	}
	return cfg, nil
}

// Workspace is an open configuration directory.
type Workspace struct {
	Dir    string
	Config *config.Config
	Client *live.Client
	// State is where the state, its lock and the apply journal live.
	State    *state.Backend
	embedded *weaviateproc.Server
	log      io.Writer
	// marks caches DataMark within one Plan or CheckFresh call.
	marks map[string]state.DataMark
	// tenantMarks caches the per-tenant digests read with marks.
	tenantMarks map[string]map[string]object.Digest

	// TenantParallel is how many tenants of a multi-tenant collection a
	// plan reads at once (--tenant-parallel; 0: live.DefaultTenantParallel).
	TenantParallel int
}

// tenantParallel is how many tenants a plan reads at once.
func (ws *Workspace) tenantParallel() int {
	if ws.TenantParallel > 0 {
		return ws.TenantParallel
	}
	return live.DefaultTenantParallel
}

// Open loads the configuration and connects to Weaviate. Diagnostics go to
// log (stderr), never to the plan output.
func Open(ctx context.Context, dir string, log io.Writer) (*Workspace, error) {
	cfg, err := LoadConfig(dir)
	if err != nil {
		return nil, err
	}
	ws := &Workspace{Dir: dir, Config: cfg, log: log}
	if ws.State, err = OpenState(ctx, dir, cfg); err != nil {
		return nil, err
	}
	url, grpcURL, apiKey := cfg.Weaviate.URL, cfg.Weaviate.GRPCURL, cfg.Weaviate.APIKey
	if cfg.Weaviate.Embedded {
		srv, err := ws.startEmbedded(ctx)
		if err != nil {
			return nil, err
		}
		ws.embedded = srv
		url, grpcURL = srv.URL, srv.GRPCAddr
	}
	client, err := live.New(live.Options{URL: url, GRPCURL: grpcURL, APIKey: apiKey, Auth: cfg.Weaviate.Auth, DeleteTimeout: cfg.Weaviate.DeleteTimeout})
	if err != nil {
		ws.Close()
		return nil, err
	}
	client.Notices = log // "waiting for Weaviate to finish deleting X…"
	ws.Client = client
	// Inactive tenants a killed colstate left activated get their status
	// back before anything else reads them; this run records its own.
	if err := recoverTenants(ctx, client, ws.State, func(msg string) { fmt.Fprintln(log, msg) }); err != nil {
		ws.Close()
		return nil, err
	}
	client.TenantLog = newTenantLog(ws.State)
	return ws, nil
}

func (ws *Workspace) startEmbedded(ctx context.Context) (*weaviateproc.Server, error) {
	base := filepath.Join(ws.Dir, ".colstate")
	if err := os.MkdirAll(base, 0o700); err != nil {
		return nil, err
	}
	logf, err := os.OpenFile(filepath.Join(base, "weaviate.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	dataDir := filepath.Join(base, "weaviate")
	start := time.Now()
	srv, err := weaviateproc.Start(ctx, weaviateproc.Options{DataDir: dataDir, Log: logf, Env: embeddedAuth(ws.Config.Weaviate.APIKey)})
	if err != nil {
		logf.Close()
		return nil, fmt.Errorf("embedded Weaviate: %w (server log: %s)", err, logf.Name())
	}
	fmt.Fprintf(ws.log, "Started embedded Weaviate %s at %s in %.1fs (data in %s)\n",
		weaviateproc.Version, srv.URL, time.Since(start).Seconds(), dataDir)
	return srv, nil
}

// embeddedAuth makes an embedded server require the configured API key.
// Without it the server, which allows anonymous access, refused the key
// colstate sent ("401 oidc auth is not configured"): a WEAVIATE_API_KEY
// meant for another cluster broke embedded mode.
func embeddedAuth(key string) map[string]string {
	if key == "" {
		return nil
	}
	return map[string]string{
		"AUTHENTICATION_APIKEY_ENABLED":           "true",
		"AUTHENTICATION_APIKEY_ALLOWED_KEYS":      key,
		"AUTHENTICATION_APIKEY_USERS":             "colstate",
		"AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED": "false",
	}
}

// Close closes the connections and stops an embedded server.
func (ws *Workspace) Close() {
	if ws.Client != nil {
		ws.Client.Close()
	}
	if ws.State != nil {
		ws.State.Close()
	}
	if ws.embedded != nil {
		if err := ws.embedded.Stop(60 * time.Second); err != nil {
			fmt.Fprintln(ws.log, "warning:", err)
		}
		ws.embedded = nil
	}
}
