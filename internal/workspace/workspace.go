// Package workspace ties one configuration directory to the Weaviate it
// describes and to its state file: it loads the HCL, connects (starting an
// embedded server when asked), and builds plans. Commands in cmd/colstate are
// thin wrappers around it.
package workspace

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/colstate/colstate/internal/collection"
	"github.com/colstate/colstate/internal/config"
	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/plan"
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
	Dir      string
	Config   *config.Config
	Client   *live.Client
	embedded *weaviateproc.Server
	log      io.Writer
}

// Open loads the configuration and connects to Weaviate. Diagnostics go to
// log (stderr), never to the plan output.
func Open(ctx context.Context, dir string, log io.Writer) (*Workspace, error) {
	cfg, err := LoadConfig(dir)
	if err != nil {
		return nil, err
	}
	ws := &Workspace{Dir: dir, Config: cfg, log: log}
	url, grpcURL, apiKey := cfg.Weaviate.URL, cfg.Weaviate.GRPCURL, cfg.Weaviate.APIKey
	if cfg.Weaviate.Embedded {
		srv, err := ws.startEmbedded(ctx)
		if err != nil {
			return nil, err
		}
		ws.embedded = srv
		url, grpcURL = srv.URL, srv.GRPCAddr
	}
	client, err := live.New(live.Options{URL: url, GRPCURL: grpcURL, APIKey: apiKey})
	if err != nil {
		ws.Close()
		return nil, err
	}
	ws.Client = client
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
	srv, err := weaviateproc.Start(ctx, weaviateproc.Options{DataDir: dataDir, Log: logf})
	if err != nil {
		logf.Close()
		return nil, fmt.Errorf("embedded Weaviate: %w (server log: %s)", err, logf.Name())
	}
	fmt.Fprintf(ws.log, "Started embedded Weaviate %s at %s in %.1fs (data in %s)\n",
		weaviateproc.Version, srv.URL, time.Since(start).Seconds(), dataDir)
	return srv, nil
}

// Close closes the connection and stops an embedded server.
func (ws *Workspace) Close() {
	if ws.Client != nil {
		ws.Client.Close()
	}
	if ws.embedded != nil {
		if err := ws.embedded.Stop(60 * time.Second); err != nil {
			fmt.Fprintln(ws.log, "warning:", err)
		}
		ws.embedded = nil
	}
}

// StatePath is the state file's path.
func (ws *Workspace) StatePath() string {
	if filepath.IsAbs(ws.Config.State.Path) {
		return ws.Config.State.Path
	}
	return filepath.Join(ws.Dir, ws.Config.State.Path)
}

// ReadState reads the state file (an empty state when there is none).
func (ws *Workspace) ReadState() (*state.State, error) { return state.Read(ws.StatePath()) }

// WriteState saves the state atomically.
func (ws *Workspace) WriteState(s *state.State) error { return state.Write(ws.StatePath(), s) }

// Plan reads the live schema and computes the plan against st.
func (ws *Workspace) Plan(ctx context.Context, st *state.State) (*plan.Plan, error) {
	liveCols, err := ws.Client.Collections(ctx)
	if err != nil {
		return nil, err
	}
	desired := make([]collection.Collection, 0, len(ws.Config.Collections))
	for _, d := range ws.Config.Collections {
		desired = append(desired, d.Collection)
	}
	return plan.Diff(plan.Input{Desired: desired, Live: liveCols, Managed: st.Collections})
}
