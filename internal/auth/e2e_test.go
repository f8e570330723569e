package auth_test

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The colstate binary, built once for the end-to-end tests.
var (
	buildOnce sync.Once
	binary    string
	buildErr  error
)

func colstateBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "colstate-oidc-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binary = filepath.Join(dir, "colstate")
		out, err := exec.Command("go", "build", "-o", binary, "../../cmd/colstate").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binary
}

// e2e runs colstate in a project directory against the OIDC Weaviate and
// keeps everything it printed.
type e2e struct {
	t       *testing.T
	bin     string
	dir     string   // the project directory
	home    string   // HOME and TMPDIR of the runs
	env     []string // extra environment
	printed bytes.Buffer
}

func newE2E(t *testing.T, files map[string]string) *e2e {
	srv := server(t)
	e := &e2e{t: t, bin: colstateBinary(t), dir: t.TempDir(), home: t.TempDir()}
	e.env = []string{
		"WEAVIATE_URL=" + srv.URL,
		"WEAVIATE_GRPC_URL=" + srv.GRPCAddr,
		"WEAVIATE_CLIENT_SECRET=" + clientSecret,
		"HOME=" + e.home,
		"TMPDIR=" + e.home,
		"NO_COLOR=1",
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(e.dir, name), []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

func (e *e2e) cmd(env []string, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	cmd := exec.Command(e.bin, args...)
	cmd.Dir = e.dir
	cmd.Env = append(append([]string{"PATH=" + os.Getenv("PATH")}, e.env...), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	return cmd, &stdout, &stderr
}

// run runs colstate with args (and extra environment env) and returns its
// stdout, stderr and exit code.
func (e *e2e) run(env []string, args ...string) (string, string, int) {
	e.t.Helper()
	cmd, stdout, stderr := e.cmd(env, args...)
	err := cmd.Run()
	code := cmd.ProcessState.ExitCode()
	if err != nil && code < 0 {
		e.t.Fatalf("colstate %s: %v", strings.Join(args, " "), err)
	}
	fmt.Fprintf(&e.printed, "$ colstate %s\n%s%s", strings.Join(args, " "), stdout, stderr)
	return stdout.String(), stderr.String(), code
}

func (e *e2e) mustRun(args ...string) string {
	e.t.Helper()
	stdout, stderr, code := e.run(nil, args...)
	if code != 0 {
		e.t.Fatalf("colstate %s: exit %d\n%s%s", strings.Join(args, " "), code, stdout, stderr)
	}
	return stdout
}

// leaks reports every file under the project directory and HOME, and every
// line colstate printed, that holds one of the secrets.
func (e *e2e) leaks(secrets []string) []string {
	var found []string
	check := func(where string, data []byte) {
		for _, s := range secrets {
			if bytes.Contains(data, []byte(s)) {
				found = append(found, fmt.Sprintf("%s holds %s…", where, s[:min(len(s), 12)]))
			}
		}
	}
	for _, root := range []string{e.dir, e.home} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			check(path, data)
			return nil
		})
		if err != nil {
			e.t.Fatal(err)
		}
	}
	check("colstate's output", e.printed.Bytes())
	return found
}

// checkLeakCheck makes sure leaks finds a planted secret, so that its
// silence means something.
func (e *e2e) checkLeakCheck(secrets []string) {
	planted := filepath.Join(e.dir, ".colstate", "planted")
	last := secrets[len(secrets)-1]
	if err := os.WriteFile(planted, []byte("x"+last+"x"), 0o600); err != nil {
		e.t.Fatal(err)
	}
	if n := len(e.leaks(secrets)); n != 1 {
		e.t.Fatalf("the leak check found %d leaks in a file holding one secret", n)
	}
	if err := os.Remove(planted); err != nil {
		e.t.Fatal(err)
	}
}

// files lists the files under the project directory, for the test log.
func (e *e2e) files() []string {
	var out []string
	_ = filepath.WalkDir(e.dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(e.dir, path)
			out = append(out, rel)
		}
		return nil
	})
	return out
}

const e2eHCL = `weaviate {
  url      = env("WEAVIATE_URL")
  grpc_url = env("WEAVIATE_GRPC_URL")
  auth {
    client_credentials {
      client_secret = env("WEAVIATE_CLIENT_SECRET")
    }
  }
}

data "jsonl" "docs" {
  path = "docs.jsonl"
}

collection "OidcE2E" {
  description = "%s"
  vectorizer  = "none"
  property "title" {
    data_type = "text"
  }
  property "n" {
    data_type = "int"
  }
  content {
    from = data.jsonl.docs
    mode = "exact"
  }
}
`

func docs(n, dims int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{"id": "%08x-0000-4000-8000-000000000000", "properties": {"title": "doc %d", "n": %d}, "vector": [`, i+1, i, i)
		for d := range dims {
			if d > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "%g", float32((i*31+d*7)%97)/97)
		}
		b.WriteString("]}\n")
	}
	return b.String()
}

// End to end with client credentials: apply (schema over REST, objects over
// gRPC), a saved plan, backup and restore all work while tokens live 11 s
// and are renewed during the runs; an interrupted apply leaves a journal.
// No file colstate wrote, and nothing it printed, holds the client secret
// or any token the provider issued.
func TestEndToEndClientCredentials(t *testing.T) {
	lifetime(t, 11*time.Second)
	const objects = 2000
	e := newE2E(t, map[string]string{
		"main.hcl":   fmt.Sprintf(e2eHCL, "one"),
		"docs.jsonl": docs(objects, 64),
	})

	before := idp.Grants("client_credentials")
	start := time.Now()
	out := e.mustRun("apply", "-auto-approve")
	took := time.Since(start)
	for _, want := range []string{"Apply complete: 1 created", fmt.Sprintf("%d objects written", objects), "verified"} {
		if !strings.Contains(out, want) {
			t.Fatalf("apply printed:\n%s\nwant %q", out, want)
		}
	}
	issued := idp.Grants("client_credentials") - before
	t.Logf("apply took %s and used %d tokens", took.Round(time.Millisecond), issued)
	if took > 2*time.Second && issued < 2 {
		t.Fatalf("apply ran %s with tokens due after 1 s, but got %d token(s)", took, issued)
	}

	// A saved plan, applied from its file.
	if err := os.WriteFile(filepath.Join(e.dir, "main.hcl"), []byte(fmt.Sprintf(e2eHCL, "two")), 0o600); err != nil {
		t.Fatal(err)
	}
	out = e.mustRun("plan", "-out=change.plan")
	if !strings.Contains(out, `~ description = "one" → "two"`) {
		t.Fatalf("plan printed:\n%s", out)
	}
	out = e.mustRun("apply", "change.plan")
	if !strings.Contains(out, "Apply complete: 0 created, 1 updated") {
		t.Fatalf("apply change.plan printed:\n%s", out)
	}

	out = e.mustRun("backup", "-auto-approve", "--id", "s1", "OidcE2E")
	if !strings.Contains(out, fmt.Sprintf("Snapshot s1 written: 1 collection(s), %d objects", objects)) {
		t.Fatalf("backup printed:\n%s", out)
	}
	out = e.mustRun("restore", "-auto-approve", "--collection", "OidcE2E", "--as", "OidcE2ECopy", "s1")
	if !strings.Contains(out, fmt.Sprintf("Restored OidcE2ECopy: %d objects; verified: object count and content digest match", objects)) {
		t.Fatalf("restore printed:\n%s", out)
	}

	// An apply interrupted (Ctrl-C) while it writes leaves its journal;
	// the next apply finishes the job.
	if err := os.WriteFile(filepath.Join(e.dir, "docs.jsonl"), []byte(strings.ReplaceAll(docs(objects, 64), `"doc `, `"DOC `)), 0o600); err != nil {
		t.Fatal(err)
	}
	e.interruptedApply()
	out = e.mustRun("apply", "-auto-approve")
	if !strings.Contains(out, "Apply complete") {
		t.Fatalf("apply after the interruption printed:\n%s", out)
	}

	t.Logf("files colstate left: %v", e.files())
	secrets := append([]string{clientSecret}, idp.Issued()...)
	e.checkLeakCheck(secrets)
	if leaks := e.leaks(secrets); len(leaks) > 0 {
		t.Fatalf("secrets written by colstate:\n%s", strings.Join(leaks, "\n"))
	}
}

// interruptedApply starts an apply, presses Ctrl-C once its journal holds
// a written batch, and checks colstate stopped (exit 130), then copies the
// journal aside so that the leak check reads it.
func (e *e2e) interruptedApply() {
	t := e.t
	cmd, stdout, stderr := e.cmd(nil, "apply", "-auto-approve")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	journal := filepath.Join(e.dir, ".colstate", "state.json.journal")
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(2 * time.Minute)
wait:
	for {
		select {
		case err := <-done:
			t.Logf("apply ended (%v) before it could be interrupted:\n%s%s", err, stdout, stderr)
			fmt.Fprintf(&e.printed, "%s%s", stdout, stderr)
			return
		case <-deadline:
			_ = cmd.Process.Kill()
			t.Fatalf("the apply journal never appeared:\n%s%s", stdout, stderr)
		case <-tick.C:
			if data, err := os.ReadFile(journal); err == nil && bytes.Contains(data, []byte(`"objects"`)) {
				if err := os.WriteFile(filepath.Join(e.home, "journal.copy"), data, 0o600); err != nil {
					t.Fatal(err)
				}
				break wait
			}
		}
	}
	_ = cmd.Process.Signal(syscall.SIGINT)
	<-done
	fmt.Fprintf(&e.printed, "$ colstate apply -auto-approve (interrupted)\n%s%s", stdout, stderr)
	if code := cmd.ProcessState.ExitCode(); code != 130 && code != 0 {
		t.Fatalf("interrupted apply: exit %d\n%s%s", code, stdout, stderr)
	}
}

// A wrong secret stops the first command with a message naming the setting
// to check and not the secret; a secret written in the HCL is refused with
// its position before anything connects.
func TestEndToEndRefusals(t *testing.T) {
	e := newE2E(t, map[string]string{"main.hcl": fmt.Sprintf(e2eHCL, "one"), "docs.jsonl": docs(1, 4)})
	wrong := "wrong-" + randomString()
	stdout, stderr, code := e.run([]string{"WEAVIATE_CLIENT_SECRET=" + wrong}, "plan")
	t.Logf("plan with a wrong secret:\n%s", stderr)
	if code != 1 || !strings.Contains(stderr, "the identity provider refused the client_credentials (invalid_client") ||
		!strings.Contains(stderr, "check client_secret (from $WEAVIATE_CLIENT_SECRET) in weaviate.auth.client_credentials") {
		t.Fatalf("plan with a wrong secret: exit %d\n%s%s", code, stdout, stderr)
	}

	literal := "literal-" + randomString()
	hcl := strings.Replace(fmt.Sprintf(e2eHCL, "one"), `env("WEAVIATE_CLIENT_SECRET")`, fmt.Sprintf("%q", literal), 1)
	if err := os.WriteFile(filepath.Join(e.dir, "main.hcl"), []byte(hcl), 0o600); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code = e.run(nil, "plan")
	if code != 1 || !strings.Contains(stderr, "main.hcl:6:23: Secret must come from env(): auth.client_credentials.client_secret is not read with env()") ||
		!strings.Contains(stderr, `write client_secret = env("WEAVIATE_CLIENT_SECRET")`) || strings.Contains(stdout+stderr, literal) {
		t.Fatalf("plan with a literal secret: exit %d\n%s%s", code, stdout, stderr)
	}
	if err := os.Remove(filepath.Join(e.dir, "main.hcl")); err != nil {
		t.Fatal(err)
	}
	if leaks := e.leaks([]string{wrong, literal, clientSecret}); len(leaks) > 0 {
		t.Fatalf("secrets written by colstate:\n%s", strings.Join(leaks, "\n"))
	}
}

// A bearer token without a refresh token: colstate plans with it until it
// expires, then stops saying so, and never prints it.
func TestEndToEndBearerExpires(t *testing.T) {
	colstateBinary(t) // built before the token starts to age
	lifetime(t, 3*time.Second)
	access, _, err := idp.passwordToken(user, alicePassword)
	if err != nil {
		t.Fatal(err)
	}
	expires := time.Now().Add(3 * time.Second)
	hcl := strings.Replace(fmt.Sprintf(e2eHCL, "one"), `client_credentials {
      client_secret = env("WEAVIATE_CLIENT_SECRET")
    }`, `bearer_token {
      access_token = env("WEAVIATE_ACCESS_TOKEN")
    }`, 1)
	hcl = strings.Replace(hcl, `collection "OidcE2E"`, `collection "OidcBearer"`, 1)
	e := newE2E(t, map[string]string{"main.hcl": hcl, "docs.jsonl": docs(1, 4)})
	e.env = append(e.env, "WEAVIATE_ACCESS_TOKEN="+access)
	if out := e.mustRun("plan"); !strings.Contains(out, "collection OidcBearer") {
		t.Fatalf("plan with a fresh bearer token:\n%s", out)
	}
	time.Sleep(time.Until(expires) + 500*time.Millisecond) // past its expiry
	stdout, stderr, code := e.run(nil, "plan")
	if code != 1 || !strings.Contains(stderr, "weaviate auth: the bearer token in access_token (from $WEAVIATE_ACCESS_TOKEN) expired at") ||
		!strings.Contains(stderr, "no refresh_token to renew it") || strings.Contains(stderr, "Auth002") {
		t.Fatalf("plan with an expired bearer token: exit %d\n%s%s", code, stdout, stderr)
	}
	t.Logf("plan with an expired bearer token:\n%s", stderr)
	if leaks := e.leaks([]string{access}); len(leaks) > 0 {
		t.Fatalf("the token was written by colstate:\n%s", strings.Join(leaks, "\n"))
	}
}
