package main

import "testing"

// TestAliasScripts runs the alias block scripts (testdata/script/aliases)
// against the real server.
func TestAliasScripts(t *testing.T) {
	runScripts(t, "../../testdata/script/aliases", func(url, _ string) map[string]scriptCmd {
		return map[string]scriptCmd{"wv": wvCmd(url)}
	})
}
