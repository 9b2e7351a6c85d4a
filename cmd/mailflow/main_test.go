package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// binary is the mailflow command built once for all end-to-end tests.
var binary string

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "mailflow-e2e")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "mailflow")
	if runtime.GOOS == "windows" {
		binary += ".exe"
	}
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		panic("building mailflow: " + err.Error())
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// mailflow runs the built binary and returns stdout, stderr and the exit
// status.
func mailflow(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatalf("running mailflow: %v", err)
	}
	return stdout.String(), stderr.String(), code
}

// golden compares got with testdata/name.golden, or rewrites it with
// -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "missing golden file; run go test ./cmd/mailflow -update")
	assert.Equal(t, string(want), got, "output differs from %s (go test ./cmd/mailflow -update rewrites it)", path)
}

func TestGolden(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
	}{
		// The seed's worked example under the default precedence.
		{"route-worked-example", []string{"route", "john@fabrikam.com", "john@contoso.com", "john@sales.contoso.com", "john@contoso.onmicrosoft.com", "sun@internet.example"}, 0},
		// The same under the order the article lists.
		{"route-listed-order", []string{"route", "--precedence", "listed-order", "john@sales.contoso.com", "john@contoso.com"}, 0},
		// A bad recipient is an error line, the others are still routed.
		{"route-bad-recipient", []string{"route", "john@contoso.com", "not@@an.address", "user@[192.0.2.1]"}, 2},
		// Hybrid relay through the certificate connector.
		{"attribute-cert-relay", []string{"attribute", "--ip", "203.0.113.5", "--cert-name", "mail.contoso.com", "--mail-from", "<>", "--rcpt", "sun@internet.example", "--rcpt", "bob@contoso.com"}, 0},
		// Direct send claiming contoso to the internet.
		{"attribute-direct-send", []string{"attribute", "--ip", "198.51.100.7", "--mail-from", "printer@contoso.com", "--rcpt", "sun@internet.example"}, 0},
		// Client submission sending as someone else.
		{"attribute-submission", []string{"attribute", "--ip", "198.51.100.7", "--port", "587", "--tls", "1.2", "--auth", "printer@contoso.com", "--mail-from", "ceo@contoso.com", "--rcpt", "sun@internet.example"}, 0},
		// The embedded default: the worked example is precedence-sensitive.
		{"lint-default", []string{"lint"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := mailflow(t, tt.args...)
			assert.Equal(t, tt.code, code, "exit status; stderr: %s", stderr)
			golden(t, tt.name, stdout)
		})
	}
}

func TestRouteJSON(t *testing.T) {
	stdout, _, code := mailflow(t, "route", "--json", "john@sales.contoso.com", "sun@internet.example", "bad@@x")
	assert.Equal(t, 2, code, "a bad recipient makes the exit status 2")
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	require.Len(t, lines, 3, "one JSON object per recipient")
	var got []map[string]any
	for _, l := range lines {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), l)
		for _, field := range []string{"recipient", "domain", "tenant", "connector", "rule", "pattern", "error"} {
			assert.Contains(t, m, field, "DESIGN.md field %q in %s", field, l)
		}
		got = append(got, m)
	}
	assert.Equal(t, "Connector 3", got[0]["connector"])
	assert.Equal(t, "wildcard", got[0]["rule"])
	assert.Equal(t, "*.contoso.com", got[0]["pattern"])
	assert.Equal(t, "sales.contoso.com", got[0]["domain"])
	assert.Nil(t, got[1]["connector"], "no connector: null")
	assert.Equal(t, "none", got[1]["rule"])
	assert.Nil(t, got[0]["error"])
	assert.NotEmpty(t, got[2]["error"])
}

func TestAttributeJSON(t *testing.T) {
	stdout, stderr, code := mailflow(t, "attribute", "--json", "--ip", "203.0.113.5", "--cert-name", "mail.contoso.com",
		"--mail-from", "<>", "--rcpt", "sun@internet.example")
	require.Equal(t, 0, code, stderr)
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(stdout), &got))
	for _, field := range []string{"tenant", "connector", "path", "basis", "recipients", "warnings"} {
		assert.Contains(t, got, field)
	}
	assert.Equal(t, "contoso", got["tenant"])
	assert.Equal(t, "From on-premises", got["connector"])
	assert.Equal(t, "on-premises-connector", got["path"])
	assert.Equal(t, "certificate", got["basis"])
	rcpts := got["recipients"].([]any)
	require.Len(t, rcpts, 1)
	r := rcpts[0].(map[string]any)
	assert.Equal(t, "sun@internet.example", r["address"])
	assert.Equal(t, "relay", r["disposition"])
	assert.Equal(t, "250 2.1.5 Recipient OK", r["reply"])
	assert.Equal(t, []any{}, got["warnings"])
}

func TestLintJSONAndExitStatus(t *testing.T) {
	cfg := filepath.Join("testdata", "lint-errors.yaml")
	stdout, stderr, code := mailflow(t, "lint", "--json", "--config", cfg)
	assert.Equal(t, 1, code, "lint errors give exit status 1; stderr: %s", stderr)
	var codes []string
	for _, l := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var f map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &f), l)
		for _, field := range []string{"code", "severity", "tenant", "connector", "message", "reference"} {
			assert.Contains(t, f, field)
		}
		codes = append(codes, f["code"].(string))
	}
	assert.Contains(t, codes, "cert-domain-not-accepted")
	assert.Contains(t, codes, "shared-sender-ip")
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		err  string // in stderr
	}{
		{"no command", nil, 2, "Usage:"},
		{"unknown command", []string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{"help", []string{"--help"}, 0, ""},
		{"route without recipients", []string{"route"}, 2, "give at least one recipient"},
		{"route bad precedence", []string{"route", "--precedence", "random", "a@b.example"}, 2, "--precedence"},
		{"route unknown tenant", []string{"route", "--tenant", "nobody", "a@b.example"}, 2, `no tenant "nobody"`},
		{"route unknown flag", []string{"route", "--frob", "a@b.example"}, 2, "flag provided but not defined"},
		{"attribute without ip", []string{"attribute", "--mail-from", "a@b.example", "--rcpt", "c@d.example"}, 2, "--ip is required"},
		{"attribute bad ip", []string{"attribute", "--ip", "999.1.1.1", "--mail-from", "a@b.example", "--rcpt", "c@d.example"}, 2, "not an IP address"},
		{"attribute bad tls", []string{"attribute", "--ip", "192.0.2.1", "--tls", "2.0", "--mail-from", "a@b.example", "--rcpt", "c@d.example"}, 2, "--tls"},
		{"attribute bad cert name", []string{"attribute", "--ip", "192.0.2.1", "--cert-name", "f*.contoso.com", "--mail-from", "a@b.example", "--rcpt", "c@d.example"}, 2, "certificate names"},
		{"attribute cert without tls", []string{"attribute", "--ip", "192.0.2.1", "--cert-name", "mail.contoso.com", "--tls", "none", "--mail-from", "a@b.example", "--rcpt", "c@d.example"}, 2, "needs TLS"},
		{"missing config file", []string{"lint", "--config", "testdata/does-not-exist.yaml"}, 2,
			"mailflow: cannot read configuration testdata/does-not-exist.yaml: no such file or directory"},
		{"attribute bad port", []string{"attribute", "--ip", "192.0.2.1", "--port", "99999", "--mail-from", "a@b.example", "--rcpt", "c@d.example"}, 2, "--port 99999 is not a port (1-65535)"},
		{"attribute port zero", []string{"attribute", "--ip", "192.0.2.1", "--port", "0", "--mail-from", "a@b.example", "--rcpt", "c@d.example"}, 2, "--port 0 is not a port"},
		{"serve bad next-hop port", []string{"serve", "--next-hop-port", "70000"}, 2, "--next-hop-port 70000 is not a port"},
		{"serve no connections", []string{"serve", "--max-connections", "0"}, 2, "--max-connections 0"},
		{"help unknown command", []string{"help", "frobnicate"}, 2, `unknown command "frobnicate"`},
		{"version with an argument", []string{"version", "x"}, 2, "unexpected argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := mailflow(t, tt.args...)
			assert.Equal(t, tt.code, code, stderr)
			assert.Contains(t, stderr, tt.err)
			if code != 0 {
				assert.Empty(t, stdout, "a usage error prints nothing to stdout")
			}
		})
	}
	// A missing file is not reported as an invalid one.
	_, stderr, _ := mailflow(t, "lint", "--config", "testdata/does-not-exist.yaml")
	assert.NotContains(t, stderr, "not valid")
}

// TestHelp: "mailflow help CMD" and "mailflow CMD --help" print the same
// text to stdout and exit 0.
func TestHelp(t *testing.T) {
	for _, cmd := range []string{"route", "attribute", "lint", "serve"} {
		t.Run(cmd, func(t *testing.T) {
			viaHelp, stderr1, code1 := mailflow(t, "help", cmd)
			viaFlag, stderr2, code2 := mailflow(t, cmd, "--help")
			assert.Equal(t, 0, code1)
			assert.Equal(t, 0, code2)
			assert.Empty(t, stderr1)
			assert.Empty(t, stderr2)
			assert.Contains(t, viaHelp, "Usage: mailflow "+cmd)
			assert.Contains(t, viaHelp, "Flags:")
			assert.Equal(t, viaHelp, viaFlag)
		})
	}
	top, _, code := mailflow(t, "help")
	assert.Equal(t, 0, code)
	assert.Contains(t, top, "Commands:")
	// A flag error prints the usage to stderr, and exits 2.
	stdout, stderr, code := mailflow(t, "route", "--frob", "a@b.example")
	assert.Equal(t, 2, code)
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, "Usage: mailflow route")
}

// TestVersion: the build information of the binary.
func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		stdout, stderr, code := mailflow(t, args...)
		assert.Equal(t, 0, code, stderr)
		assert.Regexp(t, `^mailflow (\(devel\)|v\S+)( \(revision [0-9a-f]+.*\))? go1\.\d+`, stdout)
		assert.Contains(t, stdout, runtime.Version())
	}
}

func TestBadConfig(t *testing.T) {
	_, stderr, code := mailflow(t, "route", "--config", filepath.Join("testdata", "bad.yaml"), "a@contoso.com")
	assert.Equal(t, 2, code)
	// Every problem, with its path and line.
	assert.Contains(t, stderr, "Tenants[0].OutboundConnectors[0].RecipientDomain")
	assert.Contains(t, stderr, "did you mean")
	assert.Contains(t, stderr, "*.com")
	assert.Regexp(t, `bad\.yaml:\d+:\d+`, stderr)
}

// TestEXOImport runs the commands on a configuration read from Exchange
// Online exports in the documented shapes (PowerShell 5.1 enum objects and
// dates, the REST admin API's {"value": […]} with sidecar keys, smtp:*;1
// address spaces, integer enums, a rule-scoped connector).
func TestEXOImport(t *testing.T) {
	cfg := filepath.Join("testdata", "exo", "config.yaml")
	stdout, stderr, code := mailflow(t, "route", "--json", "--config", cfg, "a@paris.eu.fabrikam.com", "a@fabrikam.com")
	require.Equal(t, 0, code, stderr)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	require.Len(t, lines, 2)
	var first, second map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &first))
	require.NoError(t, json.Unmarshal([]byte(lines[1]), &second))
	assert.Equal(t, "To fabrikam on-premises", first["connector"], "imported outbound connector routes the MatchSubDomains domain")
	assert.Equal(t, "*.eu.fabrikam.com", first["pattern"])
	assert.Nil(t, second["connector"], "the rule-scoped Gmail relay is never chosen by domain")

	stdout, stderr, code = mailflow(t, "attribute", "--json", "--config", cfg, "--ip", "203.0.113.9", "--cert-name", "mx1.fabrikam.com",
		"--mail-from", "<>", "--rcpt", "x@internet.example", "--rcpt", "y@lab.eu.fabrikam.com")
	require.Equal(t, 0, code, stderr)
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(stdout), &got))
	assert.Equal(t, "fabrikam", got["tenant"])
	assert.Equal(t, "From fabrikam on-premises", got["connector"], "imported inbound connector (REST shape) matches the certificate")
	rcpts := got["recipients"].([]any)
	assert.Equal(t, "relay", rcpts[0].(map[string]any)["disposition"])
	assert.Equal(t, "deliver", rcpts[1].(map[string]any)["disposition"], "MatchSubDomains accepted domain from the export")

	stdout, stderr, code = mailflow(t, "lint", "--config", cfg)
	assert.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "no findings")
}

func TestRouteSeveralTenants(t *testing.T) {
	cfg := filepath.Join("testdata", "two-tenants.yaml")
	stdout, _, code := mailflow(t, "route", "--json", "--config", cfg, "a@contoso.com", "c@bank.example")
	assert.Equal(t, 2, code, "a recipient no tenant accepts needs --tenant")
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	require.Len(t, lines, 2)
	var a, c map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &a))
	require.NoError(t, json.Unmarshal([]byte(lines[1]), &c))
	assert.Equal(t, "contoso", a["tenant"], "routed by the tenant accepting contoso.com")
	assert.Equal(t, "To contoso on-premises", a["connector"])
	assert.Contains(t, c["error"], "--tenant")

	stdout, _, code = mailflow(t, "route", "--json", "--config", cfg, "--tenant", "fabrikam", "c@bank.example")
	assert.Equal(t, 0, code)
	require.NoError(t, json.Unmarshal([]byte(stdout), &c))
	assert.Equal(t, "fabrikam", c["tenant"])
	assert.Equal(t, "Partner bank", c["connector"])
}
