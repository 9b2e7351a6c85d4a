package main

import (
	"bufio"
	"bytes"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailflow-go/mailflow/attribution"
	"github.com/mailflow-go/mailflow/domain"
)

// syncBuffer is a bytes.Buffer safe for the writer goroutine of exec and
// the test reading it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// server is a running `mailflow serve`.
type server struct {
	t     *testing.T
	cmd   *exec.Cmd
	log   *syncBuffer
	addrs map[string]string // proto → address
	done  chan error
}

// startServe runs `mailflow serve` on loopback ports the system picks and
// waits until every protocol listens.
func startServe(t *testing.T, args ...string) *server {
	t.Helper()
	args = append([]string{"serve", "--policy", "127.0.0.1:0", "--socketmap", "127.0.0.1:0", "--tcp-table", "127.0.0.1:0"}, args...)
	s := &server{t: t, cmd: exec.Command(binary, args...), log: &syncBuffer{}, addrs: map[string]string{}, done: make(chan error, 1)}
	s.cmd.Stderr = s.log
	require.NoError(t, s.cmd.Start())
	go func() { s.done <- s.cmd.Wait() }()
	t.Cleanup(func() {
		s.cmd.Process.Kill()
		if t.Failed() {
			t.Logf("mailflow serve log:\n%s", s.log.String())
		}
	})
	// Text or JSON lines.
	re := regexp.MustCompile(`"?msg"?[=:]"?listening"?,?\s*"?proto"?[=:]"?(\w+)"?,?\s*"?addr"?[=:]"?([0-9.:]+)`)
	s.waitFor(`proto"?[=:]"?socketmap"?,?\s*"?addr`)
	s.waitFor(`proto"?[=:]"?tcp_table"?,?\s*"?addr`)
	s.waitFor(`proto"?[=:]"?policy"?,?\s*"?addr`)
	for _, m := range re.FindAllStringSubmatch(s.log.String(), -1) {
		s.addrs[m[1]] = m[2]
	}
	require.GreaterOrEqual(t, len(s.addrs), 3, "log:\n%s", s.log.String())
	return s
}

// waitFor waits until the log holds a match of the regular expression.
func (s *server) waitFor(expr string) {
	s.t.Helper()
	re := regexp.MustCompile(expr)
	deadline := time.Now().Add(10 * time.Second)
	for !re.MatchString(s.log.String()) {
		if time.Now().After(deadline) {
			s.t.Fatalf("mailflow serve never logged %q; log:\n%s", expr, s.log.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (s *server) signal(sig os.Signal) {
	s.t.Helper()
	require.NoError(s.t, s.cmd.Process.Signal(sig))
}

// exitCode waits for the process to end.
func (s *server) exitCode() int {
	s.t.Helper()
	select {
	case err := <-s.done:
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode()
		}
		require.NoError(s.t, err)
		return 0
	case <-time.After(15 * time.Second):
		s.t.Fatal("mailflow serve did not exit")
		return -1
	}
}

// exchange sends one request to a protocol and reads one answer ending
// in end.
func (s *server) exchange(proto, request, end string) string {
	s.t.Helper()
	nc, err := net.DialTimeout("tcp", s.addrs[proto], 5*time.Second)
	require.NoError(s.t, err)
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(5 * time.Second))
	_, err = nc.Write([]byte(request))
	require.NoError(s.t, err)
	br := bufio.NewReader(nc)
	var out strings.Builder
	for !strings.HasSuffix(out.String(), end) {
		b, err := br.ReadByte()
		require.NoError(s.t, err, "answer so far %q", out.String())
		out.WriteByte(b)
	}
	return out.String()
}

func policyRequest(client, sender, rcpt string, extra ...string) string {
	return "request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=" + client +
		"\nserver_port=25\nsender=" + sender + "\nrecipient=" + rcpt + "\n" + strings.Join(append(extra, ""), "\n") + "\n"
}

const serveConfig = `Tenants:
  - Id: contoso
    AcceptedDomains:
      - { DomainName: contoso.com }
    OutboundConnectors:
      - { Name: To partner, ConnectorType: Partner, RecipientDomains: [partner.test], SmartHosts: [127.0.0.1] }
    InboundConnectors:
      - { Name: From on-premises, ConnectorType: OnPremises, SenderIPAddresses: [192.0.2.10] }
`

func TestServe(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "mailflow.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte(serveConfig), 0o644))
	s := startServe(t, "--config", cfg, "--next-hop-port", "2626")

	// Policy: the tenant's sender relays over the IP connector, a foreign
	// one gets ATTR36.
	attr36 := policyRequest("192.0.2.10", "a@foreign.example", "sun@internet.example")
	assert.Equal(t, "action=OK\n\n", s.exchange("policy", policyRequest("192.0.2.10", "alice@contoso.com", "sun@internet.example"), "\n\n"))
	assert.Equal(t, "action=550 5.7.64 Relay Access Denied ATTR36\n\n", s.exchange("policy", attr36, "\n\n"))
	s.waitFor(`msg=policy .*basis=connector .*action="550 5.7.64 Relay Access Denied ATTR36"`)

	// Transport, both protocols.
	assert.Equal(t, "24:OK smtp:[127.0.0.1]:2626,", s.exchange("socketmap", "26:transport sun@partner.test,", ","))
	assert.Equal(t, "9:NOTFOUND ,", s.exchange("socketmap", "30:transport sun@internet.example,", ","))
	assert.Equal(t, "200 smtp:%5B127.0.0.1%5D:2626\n", s.exchange("tcp_table", "get sun@partner.test\n", "\n"))

	// SIGHUP reloads: foreign.example becomes an accepted domain, so the
	// same request now relays by MAIL FROM.
	require.NoError(t, os.WriteFile(cfg, []byte(strings.Replace(serveConfig, "{ DomainName: contoso.com }", "{ DomainName: contoso.com }\n      - { DomainName: foreign.example }", 1)), 0o644))
	s.signal(syscall.SIGHUP)
	s.waitFor(`msg="configuration reloaded"`)
	assert.Equal(t, "action=OK\n\n", s.exchange("policy", attr36, "\n\n"))

	// A bad configuration is logged and the running one stays.
	require.NoError(t, os.WriteFile(cfg, []byte("Tenants:\n  - Id: contoso\n    AcceptedDomain: []\n"), 0o644))
	s.signal(syscall.SIGHUP)
	s.waitFor(`msg="reload failed; the running configuration stays"`)
	assert.Contains(t, s.log.String(), `unknown field`)
	assert.Equal(t, "action=OK\n\n", s.exchange("policy", attr36, "\n\n"))

	// SIGTERM: a clean stop.
	s.signal(syscall.SIGTERM)
	assert.Equal(t, 0, s.exitCode())
	assert.Contains(t, s.log.String(), `msg="mailflow serve stopped"`)
}

func TestServePins(t *testing.T) {
	const fp = "AA:8F:E7:E4:8E:9C:B0:A5:6D:10:94:15:3E:AB:AE:79:91:99:FC:48:35:E4:87:EC:D4:5C:13:4B:FA:66:99:37"
	dir := t.TempDir()
	pins := filepath.Join(dir, "pins.yaml")
	require.NoError(t, os.WriteFile(pins, []byte("Pins:\n  - { Fingerprint: \""+fp+"\", Names: [mail.contoso.com] }\n"), 0o644))
	// The embedded default: contoso's certificate connector for *.contoso.com.
	s := startServe(t, "--pins", pins, "--log-format", "json")
	// An untrusted certificate (no ccert_subject) whose fingerprint is pinned.
	req := policyRequest("203.0.113.5", "", "sun@internet.example", "encryption_protocol=TLSv1.3", "ccert_fingerprint="+fp)
	assert.Equal(t, "action=OK\n\n", s.exchange("policy", req, "\n\n"))
	s.waitFor(`"basis":"certificate"`)
	assert.Contains(t, s.log.String(), `"cert_source":"pin"`)

	// Pins reload with SIGHUP too; without the pin the relay is refused.
	require.NoError(t, os.WriteFile(pins, []byte("Pins: []\n"), 0o644))
	s.signal(syscall.SIGHUP)
	s.waitFor(`"msg":"configuration reloaded"`)
	assert.Equal(t, "action=550 5.7.1 Unable to relay\n\n", s.exchange("policy", req, "\n\n"))

	s.signal(syscall.SIGINT)
	assert.Equal(t, 0, s.exitCode())
}

func TestServeUsage(t *testing.T) {
	dir := t.TempDir()
	badPins := filepath.Join(dir, "pins.yaml")
	require.NoError(t, os.WriteFile(badPins, []byte("Pins:\n  - { Fingerprint: zz, Names: [a.example] }\n"), 0o644))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	tests := []struct {
		name string
		args []string
		code int
		err  string
	}{
		{"help", []string{"serve", "--help"}, 0, "Usage: mailflow serve"},
		{"everything off", []string{"serve", "--policy", "", "--socketmap", "", "--tcp-table", ""}, 2, "every protocol is off"},
		{"unknown tenant", []string{"serve", "--tenant", "nobody"}, 2, `no tenant "nobody"`},
		{"bad pins", []string{"serve", "--pins", badPins}, 2, "pins.yaml:2:7: Pins[0].Fingerprint: bad fingerprint"},
		{"missing pins", []string{"serve", "--pins", filepath.Join(dir, "none.yaml")}, 2, "none.yaml"},
		{"bad config", []string{"serve", "--config", filepath.Join("testdata", "bad.yaml")}, 2, "bad.yaml"},
		{"bad log level", []string{"serve", "--log-level", "loud"}, 2, "--log-level"},
		{"bad accept action", []string{"serve", "--accept-action", "PERMIT"}, 2, "--accept-action"},
		{"bad log format", []string{"serve", "--log-format", "xml"}, 2, "--log-format"},
		{"bad port", []string{"serve", "--next-hop-port", "0"}, 2, "--next-hop-port"},
		{"bad transport", []string{"serve", "--next-hop-transport", "smtp:x"}, 2, "--next-hop-transport"},
		{"stray argument", []string{"serve", "extra"}, 2, "unexpected arguments"},
		{"address in use", []string{"serve", "--policy", l.Addr().String(), "--socketmap", "", "--tcp-table", ""}, 1, "--policy"},
		{"bad address", []string{"serve", "--policy", "127.0.0.1:0", "--socketmap", "nonsense", "--tcp-table", ""}, 1, "--socketmap"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := mailflow(t, tt.args...)
			assert.Equal(t, tt.code, code, "stderr: %s", stderr)
			assert.Contains(t, stdout+stderr, tt.err)
		})
	}
}

// A request in flight when SIGTERM arrives is still answered.
func TestServeGracefulStop(t *testing.T) {
	s := startServe(t)
	nc, err := net.Dial("tcp", s.addrs["policy"])
	require.NoError(t, err)
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	req := policyRequest("203.0.113.5", "", "bob@contoso.com")
	half := len(req) / 2
	_, err = nc.Write([]byte(req[:half]))
	require.NoError(t, err)
	time.Sleep(200 * time.Millisecond) // let the server start reading it
	s.signal(syscall.SIGTERM)
	s.waitFor(`msg=stopping`)
	_, err = nc.Write([]byte(req[half:]))
	require.NoError(t, err)
	answer, err := bufio.NewReader(nc).ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "action=OK\n", answer)
	assert.Equal(t, 0, s.exitCode())
}

// --accept-action DUNNO leaves the relay decision to Postfix; rejections
// are the same.
func TestServeAcceptDunno(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "mailflow.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte(serveConfig), 0o644))
	s := startServe(t, "--config", cfg, "--accept-action", "DUNNO")
	assert.Equal(t, "action=DUNNO\n\n", s.exchange("policy", policyRequest("192.0.2.10", "alice@contoso.com", "sun@internet.example"), "\n\n"))
	assert.Equal(t, "action=550 5.7.64 Relay Access Denied ATTR36\n\n", s.exchange("policy", policyRequest("192.0.2.10", "", "sun@internet.example"), "\n\n"))
}

// TestServeReloadOnFileChange: writing the configuration file, with no
// signal, reloads it; the log says which tenants were added, changed and
// removed; a bad write is logged with its line and the running
// configuration keeps answering.
func TestServeReloadOnFileChange(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "mailflow.yaml")
	two := "Tenants:\n  - Id: contoso\n    AcceptedDomains: [{ DomainName: contoso.com }]\n  - Id: fabrikam\n    AcceptedDomains: [{ DomainName: fabrikam.com }]\n"
	require.NoError(t, os.WriteFile(cfg, []byte(two), 0o644))
	s := startServe(t, "--config", cfg)
	toNorthwind := policyRequest("198.51.100.7", "a@internet.example", "sun@northwind.example")
	assert.Contains(t, s.exchange("policy", toNorthwind, "\n\n"), "550")

	// Replace by rename, as editors do: fabrikam changes, northwind is
	// added, contoso stays.
	next := "Tenants:\n  - Id: contoso\n    AcceptedDomains: [{ DomainName: contoso.com }]\n  - Id: fabrikam\n    AcceptedDomains: [{ DomainName: fabrikam.com }, { DomainName: fabrikam.example }]\n  - Id: northwind\n    AcceptedDomains: [{ DomainName: northwind.example }]\n"
	tmp := filepath.Join(dir, ".mailflow.yaml.tmp")
	require.NoError(t, os.WriteFile(tmp, []byte(next), 0o644))
	require.NoError(t, os.Rename(tmp, cfg))
	s.waitFor(`msg="configuration reloaded" trigger="file changed".* added=1 changed=1 removed=0 added_ids=northwind changed_ids=fabrikam`)
	assert.Equal(t, "action=OK\n\n", s.exchange("policy", toNorthwind, "\n\n"))

	// A bad file: logged with its line, the running configuration stays.
	require.NoError(t, os.WriteFile(cfg, []byte("Tenants:\n  - Id: contoso\n    AcceptedDomain: []\n"), 0o644))
	s.waitFor(`msg="reload failed; the running configuration stays"`)
	assert.Regexp(t, `mailflow.yaml:3:\d+: .*unknown field`, s.log.String())
	assert.Equal(t, "action=OK\n\n", s.exchange("policy", toNorthwind, "\n\n"))

	// Removing a tenant is logged as such.
	require.NoError(t, os.WriteFile(cfg, []byte(two), 0o644))
	s.waitFor(`added=0 changed=1 removed=1 added_ids="" changed_ids=fabrikam removed_ids=northwind`)
	s.signal(syscall.SIGTERM)
	assert.Equal(t, 0, s.exitCode())
}

func TestDiffTenants(t *testing.T) {
	ten := func(id, dom string) attribution.Tenant {
		return attribution.Tenant{ID: id, AcceptedDomains: []domain.AcceptedDomain{{Name: domain.MustParse(dom)}}}
	}
	old := []attribution.Tenant{ten("a", "a.com"), ten("b", "b.com"), ten("c", "c.com")}
	cur := []attribution.Tenant{ten("a", "a.com"), ten("b", "b2.com"), ten("d", "d.com")}
	d := diffTenants(old, cur)
	assert.Equal(t, []string{"d"}, d.added)
	assert.Equal(t, []string{"b"}, d.changed)
	assert.Equal(t, []string{"c"}, d.removed)
	assert.Equal(t, tenantDiff{}, diffTenants(old, old))
}

// TestServeReloadDir: with --config DIR, a new file in the directory is
// a reload that adds its tenants.
func TestServeReloadDir(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.yaml"), []byte("Tenants:\n  - Id: contoso\n    AcceptedDomains: [{ DomainName: contoso.com }]\n"), 0o644))
	s := startServe(t, "--config", dir)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "b.yaml"), []byte("Tenants:\n  - Id: northwind\n    AcceptedDomains: [{ DomainName: northwind.example }]\n"), 0o644))
	s.waitFor(`msg="configuration reloaded" trigger="file changed".* tenants=2 .*added=1 changed=0 removed=0 added_ids=northwind`)
	s.signal(syscall.SIGTERM)
	assert.Equal(t, 0, s.exitCode())
}
