// Package workspace ties one configuration directory to the Weaviate it
// describes and to its state file: it loads the HCL, connects (starting an
// embedded server when asked), and builds plans. Commands in cmd/colstate are
// thin wrappers around it.
package workspace

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/colstate/colstate/internal/apply"
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
	Dir    string
	Config *config.Config
	Client *live.Client
	// State is where the state, its lock and the apply journal live.
	State    *state.Backend
	embedded *weaviateproc.Server
	log      io.Writer
	// marks caches DataMark within one Plan or CheckFresh call.
	marks map[string]state.DataMark
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
	client, err := live.New(live.Options{URL: url, GRPCURL: grpcURL, APIKey: apiKey})
	if err != nil {
		ws.Close()
		return nil, err
	}
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

// OpenState opens where the configuration in dir keeps its state: the
// object at state.url, or the file at state.path (relative to dir).
func OpenState(ctx context.Context, dir string, cfg *config.Config) (*state.Backend, error) {
	if cfg.State.URL != "" {
		return state.OpenURL(ctx, cfg.State.URL)
	}
	path := cfg.State.Path
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	return state.Local(path), nil
}

// StatePath names the state for messages: the file's path, or the
// object's URL without its query.
func (ws *Workspace) StatePath() string { return ws.State.Location() }

// ReadState reads the state (an empty state when there is none).
func (ws *Workspace) ReadState() (*state.State, error) { return ws.State.Read(context.Background()) }

// WriteState saves the state atomically, refusing when someone else wrote
// it since it was read. It is not cancelled with the command: what apply
// did must be recorded even after Ctrl-C.
func (ws *Workspace) WriteState(s *state.State) error { return ws.State.Write(context.Background(), s) }

// Plan reads the live schema and computes the plan against st, limited to
// targets when there are any. The plan is bound to the state and to the live
// schema of every collection it changes, so it can be saved and checked
// for staleness.
func (ws *Workspace) Plan(ctx context.Context, st *state.State, targets []string) (*plan.Plan, error) {
	ws.marks = map[string]state.DataMark{}
	defer func() { ws.marks = nil }()
	liveCols, err := ws.Client.Collections(ctx)
	if err != nil {
		return nil, err
	}
	j, err := ws.PendingJournal(st)
	if err != nil {
		return nil, err
	}
	var carried, dropped []plan.Change
	if j != nil {
		if carried, dropped, err = j.Pending(st, liveCols); err != nil {
			return nil, fmt.Errorf("the pending apply journal %s: %w; run colstate apply -abandon to drop it", j.Path(), err)
		}
	}
	desired := make([]plan.Desired, 0, len(ws.Config.Collections))
	for _, d := range ws.Config.Collections {
		desired = append(desired, plan.Desired{
			Collection:     d.Collection,
			PreventDestroy: d.Lifecycle.PreventDestroy,
			IgnoreChanges:  d.Lifecycle.IgnoreChanges,
			VectorFrom:     d.VectorFrom,

			NoBackupBeforeDestroy: !d.Lifecycle.BackupBeforeDestroy,
		})
	}
	modules, err := ws.Client.Modules(ctx)
	if err != nil {
		return nil, err
	}
	targets, notes := plan.WithDependencies(desired, targets)
	in := plan.Input{Desired: desired, Live: liveCols, Managed: st.Collections, Targets: targets, Held: held(st), Modules: modules}
	for _, c := range carried {
		in.Exclude = append(in.Exclude, c.Collection)
	}
	if err := ws.dataInput(ctx, st, liveCols, &in); err != nil {
		return nil, err
	}
	p, err := plan.Diff(in)
	if err != nil {
		return nil, err
	}
	if err := ws.refuseAliasNames(ctx, p); err != nil {
		return nil, err
	}
	p.Notes = notes
	if j != nil {
		p.Changes = append(carried, p.Changes...)
		p.Interrupted = &plan.Interrupted{Journal: j.Path(), PlanID: j.PlanID, StartedAt: j.StartedAt, Finished: j.Finished()}
		for _, c := range dropped {
			why := "the configuration and the live state no longer ask for it, so it is not run"
			switch {
			case slices.ContainsFunc(p.Changes, func(n plan.Change) bool { return n.Resumes == nil && n.Collection == c.Collection }):
				why = "planned again below from the current configuration"
			case len(targets) > 0 && !slices.Contains(targets, c.Collection):
				why = "left out by -target; an apply without -target plans it again if the configuration still asks for it"
			}
			p.Interrupted.Dropped = append(p.Interrupted.Dropped, apply.DescribeDropped(c, why))
		}
	}
	p.CreatedAt = time.Now().UTC()
	data, err := ws.bindData(ctx, st, p, liveCols)
	if err != nil {
		return nil, err
	}
	p.Binding = &plan.Binding{StateLineage: st.Lineage, StateSerial: st.Serial, Live: fingerprints(p, liveCols), Data: data}
	return p, nil
}

// refuseAliasNames refuses a plan that creates a collection under a name
// a Weaviate alias holds: Weaviate cannot create it, and reads of the name
// answer with the aliased collection.
func (ws *Workspace) refuseAliasNames(ctx context.Context, p *plan.Plan) error {
	var creates []string
	for _, c := range p.Changes {
		if c.Action == plan.Create {
			creates = append(creates, c.Collection)
		}
	}
	if len(creates) == 0 {
		return nil
	}
	aliases, err := ws.Client.Aliases(ctx)
	if err != nil {
		return err
	}
	for _, name := range creates {
		if target, ok := aliases[name]; ok {
			return fmt.Errorf("collection %s cannot be created: %s is the name of a Weaviate alias of collection %s, and Weaviate cannot create a collection under a name an alias holds; "+
				"rename the collection block, or, if the alias is no longer wanted, delete it (DELETE /v1/aliases/%s) and plan again; nothing was changed", name, name, target, name)
		}
	}
	return nil
}

// PendingJournal returns the journal of an interrupted apply of st, nil when
// there is none, and an error when the journal belongs to another state.
func (ws *Workspace) PendingJournal(st *state.State) (*apply.Journal, error) {
	j, err := apply.LoadJournal(ws.State)
	if err != nil || j == nil {
		return nil, err
	}
	if !j.SameState(st.Lineage, st.Serial) {
		return nil, fmt.Errorf("the interrupted apply recorded in %s ran against state lineage %s, but %s has lineage %s: it belongs to another state; run colstate apply -abandon to drop it", j.Path(), j.StateLineage, ws.StatePath(), st.Lineage)
	}
	return j, nil
}

// held finds, for each collection, the newest snapshot in the state's
// catalogue that holds it.
func held(st *state.State) map[string]plan.Recreate {
	out := map[string]plan.Recreate{}
	for _, r := range st.Snapshots { // oldest first: later ones win
		for name, m := range r.Collections {
			out[name] = plan.Recreate{Snapshot: r.ID, Store: r.Store, Objects: m.Objects, TakenAt: r.TakenAt}
		}
	}
	return out
}

func fingerprints(p *plan.Plan, liveCols map[string]collection.Collection) map[string]string {
	out := map[string]string{}
	for _, c := range p.Changes {
		if have, ok := liveCols[c.Collection]; ok {
			out[c.Collection] = collection.Fingerprint(have)
		} else {
			out[c.Collection] = ""
		}
	}
	return out
}

// CheckFresh returns an error when a saved plan no longer fits: the state
// moved on (lineage or serial) or the live schema of a collection it changes
// differs from what the plan saw.
func (ws *Workspace) CheckFresh(ctx context.Context, p *plan.Plan, st *state.State) error {
	b := p.Binding
	again := "; run colstate plan again and review the new plan"
	// Serial 0 on both sides: the plan was made before any state was
	// written, and none has been since (a missing state file gets a new
	// random lineage each time it is read).
	if b.StateLineage != st.Lineage && (b.StateSerial != 0 || st.Serial != 0) {
		return fmt.Errorf("saved plan is stale: it was made for state lineage %s, but %s has lineage %s%s", b.StateLineage, ws.StatePath(), st.Lineage, again)
	}
	if b.StateSerial != st.Serial {
		return fmt.Errorf("saved plan is stale: the state changed since it was made (serial %d, now %d)%s", b.StateSerial, st.Serial, again)
	}
	liveCols, err := ws.Client.Collections(ctx)
	if err != nil {
		return err
	}
	now := fingerprints(p, liveCols)
	for _, name := range slices.Sorted(maps.Keys(b.Live)) {
		if now[name] != b.Live[name] {
			return fmt.Errorf("saved plan is stale: the live schema of collection %s changed since the plan was made%s", name, again)
		}
	}
	data, err := ws.bindData(ctx, st, p, liveCols)
	if err != nil {
		return err
	}
	for _, key := range slices.Sorted(maps.Keys(b.Data)) {
		if data[key] != b.Data[key] {
			return fmt.Errorf("saved plan is stale: the data of %s changed since the plan was made (then %s, now %s)%s", key, b.Data[key], orNone(data[key]), again)
		}
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
