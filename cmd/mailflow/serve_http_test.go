package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// startServeHTTP runs `mailflow serve --http 127.0.0.1:0` with the other
// listeners and returns the server and the API's base URL.
func startServeHTTP(t *testing.T, args ...string) (*server, string) {
	t.Helper()
	s := startServe(t, append([]string{"--http", "127.0.0.1:0"}, args...)...)
	s.waitFor(`proto"?[=:]"?http"?,?\s*"?addr`)
	m := regexp.MustCompile(`proto"?[=:]"?http"?,?\s*"?addr"?[=:]"?([0-9.:]+)`).FindStringSubmatch(s.log.String())
	require.NotNil(t, m)
	return s, "http://" + m[1]
}

var httpClient = &http.Client{Timeout: 10 * time.Second}

func httpGet(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := httpClient.Get(u)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func httpPost(t *testing.T, u, body string) (int, string) {
	t.Helper()
	resp, err := httpClient.Post(u, "application/json", strings.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// TestServeHTTP: the real binary serves the HTTP API next to the policy
// service; a policy decision shows in /metrics; a reload changes the
// answers and the snapshot's change number; SIGTERM stops it cleanly.
func TestServeHTTP(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "mailflow.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte(serveConfig), 0o644))
	s, base := startServeHTTP(t, "--config", cfg)

	code, body := httpGet(t, base+"/healthz")
	assert.Equal(t, 200, code, body)

	code, body = httpGet(t, base+"/readyz")
	assert.Equal(t, 200, code, body)
	assert.Contains(t, body, `"change_number":1`)

	code, body = httpGet(t, base+"/v1/route?rcpt=sun@partner.test")
	assert.Equal(t, 200, code, body)
	assert.Contains(t, body, `"connector":"To partner"`)
	code, body = httpPost(t, base+"/v1/attribute", `{"ip": "192.0.2.10", "mail_from": "a@foreign.example", "rcpt": ["sun@internet.example"]}`)
	assert.Equal(t, 200, code, body)
	assert.Contains(t, body, `"reply":"550 5.7.64 Relay Access Denied ATTR36"`)
	code, body = httpGet(t, base+"/v1/route?rcpt=a@@b")
	assert.Equal(t, 400, code)
	assert.Contains(t, body, `"field":"rcpt"`)

	// One policy decision and one transport lookup, then the metrics.
	assert.Equal(t, "action=550 5.7.64 Relay Access Denied ATTR36\n\n",
		s.exchange("policy", policyRequest("192.0.2.10", "a@foreign.example", "sun@internet.example"), "\n\n"))
	assert.Equal(t, "9:NOTFOUND ,", s.exchange("socketmap", "30:transport sun@internet.example,", ","))
	_, text := httpGet(t, base+"/metrics")
	assert.Contains(t, text, `mailflow_decisions_total{outcome="reject",proto="policy",reason="relay_denied"} 1`)
	assert.Contains(t, text, `mailflow_decisions_total{outcome="reject",proto="http",reason="relay_denied"} 1`)
	assert.Contains(t, text, `mailflow_decisions_total{outcome="not_found",proto="socketmap",reason=""} 1`)
	assert.Contains(t, text, `mailflow_request_duration_seconds_count{proto="policy"} 1`)
	assert.Contains(t, text, `mailflow_request_duration_seconds_count{proto="http"} 3`)
	assert.Contains(t, text, "mailflow_snapshot_change_number 1\n")
	assert.Contains(t, text, "mailflow_reload_errors_total 0\n")

	// A bad reload counts an error; a good one changes the answer and the
	// change number.
	require.NoError(t, os.WriteFile(cfg, []byte("Tenants:\n  - Id: contoso\n    AcceptedDomain: []\n"), 0o644))
	s.signal(syscall.SIGHUP)
	s.waitFor(`msg="reload failed; the running configuration stays"`)
	require.NoError(t, os.WriteFile(cfg, []byte(strings.Replace(serveConfig, "RecipientDomains: [partner.test]", "RecipientDomains: [partner.example]", 1)), 0o644))
	s.signal(syscall.SIGHUP)
	s.waitFor(`msg="configuration reloaded"`)
	_, body = httpGet(t, base+"/v1/route?rcpt=sun@partner.example")
	assert.Contains(t, body, `"connector":"To partner"`)
	_, text = httpGet(t, base+"/metrics")
	assert.Regexp(t, `mailflow_reload_errors_total [1-9]\n`, text) // the watcher may see the bad write too
	assert.Regexp(t, `mailflow_snapshot_change_number [2-9]\n`, text)

	s.signal(syscall.SIGTERM)
	assert.Equal(t, 0, s.exitCode())
}

// TestServeHTTPOnly: --http alone is a valid service.
func TestServeHTTPOnly(t *testing.T) {
	s := startServeHTTPAlone(t)
	s.signal(syscall.SIGTERM)
	assert.Equal(t, 0, s.exitCode())
}

func startServeHTTPAlone(t *testing.T) *server {
	t.Helper()
	s := &server{t: t, log: &syncBuffer{}, addrs: map[string]string{}, done: make(chan error, 1)}
	s.cmd = exec.Command(binary, "serve", "--policy", "", "--socketmap", "", "--tcp-table", "", "--http", "127.0.0.1:0")
	s.cmd.Stderr = s.log
	require.NoError(t, s.cmd.Start())
	go func() { s.done <- s.cmd.Wait() }()
	t.Cleanup(func() { s.cmd.Process.Kill() })
	s.waitFor(`proto=http addr=127.0.0.1:(\d+)`)
	addr := regexp.MustCompile(`proto=http addr=([0-9.:]+)`).FindStringSubmatch(s.log.String())[1]
	code, body := httpGet(t, "http://"+addr+"/readyz")
	assert.Equal(t, 200, code, body)
	return s
}

// httpCase is one question asked of both the CLI and the HTTP API.
type httpCase struct {
	name   string
	config string   // testdata file, or "" for the embedded default
	cli    []string // the CLI's arguments after the command and --json
	query  url.Values
	body   string // for attribute
}

// TestHTTPMatchesCLI: GET /v1/route and POST /v1/attribute answer with
// exactly the bytes `route --json` and `attribute --json` print for the
// same inputs, over the configurations of testdata and the default.
func TestHTTPMatchesCLI(t *testing.T) {
	q := func(kv ...string) url.Values {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	routes := []httpCase{
		{"exact", "", []string{"john@contoso.com"}, q("rcpt", "john@contoso.com"), ""},
		{"wildcard", "", []string{"john@sales.contoso.com"}, q("rcpt", "john@sales.contoso.com"), ""},
		{"accepted domains", "", []string{"john@contoso.onmicrosoft.com"}, q("rcpt", "john@contoso.onmicrosoft.com"), ""},
		{"partner", "", []string{"john@fabrikam.com"}, q("rcpt", "john@fabrikam.com"), ""},
		{"none", "", []string{"sun@internet.example"}, q("rcpt", "sun@internet.example"), ""},
		{"bare domain", "", []string{"fabrikam.com"}, q("rcpt", "fabrikam.com"), ""},
		{"tenant named", "", []string{"--tenant", "CONTOSO", "john@contoso.com"}, q("tenant", "CONTOSO", "rcpt", "john@contoso.com"), ""},
		{"owner", "two-tenants.yaml", []string{"a@fabrikam.com"}, q("rcpt", "a@fabrikam.com"), ""},
		{"other tenant", "two-tenants.yaml", []string{"--tenant", "fabrikam", "a@bank.example"}, q("tenant", "fabrikam", "rcpt", "a@bank.example"), ""},
		{"transport rule", "rules.yaml", []string{"bob@fabrikam.com"}, q("rcpt", "bob@fabrikam.com"), ""},
		{"rule unknown", "rules.yaml", []string{"ann@contoso.com"}, q("rcpt", "ann@contoso.com"), ""},
		{"rule with from and ip", "rules.yaml", []string{"--from", "ceo@contoso.com", "--client-ip", "192.0.2.1", "bob@fabrikam.com"},
			q("rcpt", "bob@fabrikam.com", "from", "ceo@contoso.com", "client_ip", "192.0.2.1"), ""},
	}
	attrs := []httpCase{
		{"cert relay", "", []string{"--ip", "203.0.113.5", "--cert-name", "mail.contoso.com", "--mail-from", "<>", "--rcpt", "sun@internet.example", "--rcpt", "bob@contoso.com"}, nil,
			`{"ip": "203.0.113.5", "cert_names": ["mail.contoso.com"], "mail_from": "<>", "rcpt": ["sun@internet.example", "bob@contoso.com"]}`},
		{"direct send", "", []string{"--ip", "198.51.100.7", "--mail-from", "printer@contoso.com", "--rcpt", "sun@internet.example"}, nil,
			`{"ip": "198.51.100.7", "mail_from": "printer@contoso.com", "rcpt": ["sun@internet.example"]}`},
		{"submission", "", []string{"--ip", "198.51.100.7", "--port", "587", "--tls", "1.2", "--auth", "printer@contoso.com", "--mail-from", "ceo@contoso.com", "--rcpt", "sun@internet.example", "--rcpt", "x@contoso.com"}, nil,
			`{"ip": "198.51.100.7", "port": 587, "tls": "1.2", "auth": "printer@contoso.com", "mail_from": "ceo@contoso.com", "rcpt": ["sun@internet.example", "x@contoso.com"]}`},
		{"two tenants", "two-tenants.yaml", []string{"--ip", "198.51.100.7", "--mail-from", "a@internet.example", "--rcpt", "b@fabrikam.com"}, nil,
			`{"ip": "198.51.100.7", "mail_from": "a@internet.example", "rcpt": ["b@fabrikam.com"]}`},
		{"rules", "rules.yaml", []string{"--ip", "198.51.100.7", "--mail-from", "<>", "--rcpt", "ann@contoso.com"}, nil,
			`{"ip": "198.51.100.7", "mail_from": "<>", "rcpt": ["ann@contoso.com"]}`},
	}
	bases := map[string]string{}
	for _, c := range append(append([]httpCase{}, routes...), attrs...) {
		if _, ok := bases[c.config]; ok {
			continue
		}
		var args []string
		if c.config != "" {
			args = []string{"--config", filepath.Join("testdata", c.config)}
		}
		_, bases[c.config] = startServeHTTP(t, args...)
	}
	cliArgs := func(cmd string, c httpCase) []string {
		args := []string{cmd, "--json"}
		if c.config != "" {
			args = append(args, "--config", filepath.Join("testdata", c.config))
		}
		return append(args, c.cli...)
	}
	for _, c := range routes {
		t.Run("route "+c.name, func(t *testing.T) {
			want, stderr, exit := mailflow(t, cliArgs("route", c)...)
			require.Equal(t, 0, exit, stderr)
			code, got := httpGet(t, bases[c.config]+"/v1/route?"+c.query.Encode())
			assert.Equal(t, 200, code, got)
			assert.Equal(t, want, got)
		})
	}
	for _, c := range attrs {
		t.Run("attribute "+c.name, func(t *testing.T) {
			want, stderr, exit := mailflow(t, cliArgs("attribute", c)...)
			require.Equal(t, 0, exit, stderr)
			code, got := httpPost(t, bases[c.config]+"/v1/attribute", c.body)
			assert.Equal(t, 200, code, got)
			assert.Equal(t, want, got)
			assert.True(t, json.Valid([]byte(got)))
		})
	}
}
