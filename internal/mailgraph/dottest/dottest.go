// Package dottest holds the tests' policy for Graphviz's dot, shared by
// the packages whose tests render with it.
package dottest

import (
	"os"
	"os/exec"
	"testing"
)

// Require skips the test when Graphviz's dot is not in PATH, saying how
// to get it, except in CI (MAILFLOW_CI=1 or CI=true), where a missing dot
// fails the test: .ci/run installs it.
func Require(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("dot"); err == nil {
		return
	}
	if os.Getenv("MAILFLOW_CI") == "1" || os.Getenv("CI") == "true" {
		t.Fatal("Graphviz's dot is not in PATH, and this is CI: .ci/run must apt-get install -y graphviz")
	}
	t.Skip("Graphviz's dot is not installed: apt-get install graphviz")
}
