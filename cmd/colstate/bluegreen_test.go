package main

import "testing"

// TestBlueGreenScripts runs the blue/green replace, rollback and rename
// scripts (testdata/script/bluegreen) against the real server.
func TestBlueGreenScripts(t *testing.T) {
	runScripts(t, "../../testdata/script/bluegreen", func(url, _ string) map[string]scriptCmd {
		return map[string]scriptCmd{"wv": wvCmd(url)}
	})
}
