package postfix

import (
	"bufio"
	"bytes"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mailflow-go/mailflow/attribution"
	"github.com/mailflow-go/mailflow/config"
)

// testConfig is one tenant with every kind of route and both kinds of
// OnPremises inbound connector.
const testConfig = `
Tenants:
  - Id: contoso
    AcceptedDomains:
      - { DomainName: contoso.com }
    OutboundConnectors:
      - { Name: To on-premises, ConnectorType: OnPremises, AllAcceptedDomains: true, SmartHosts: [mail.contoso.com] }
      - { Name: To partner, ConnectorType: Partner, RecipientDomains: [partner.test], SmartHosts: [127.0.0.1, "2001:db8::25"] }
      - { Name: By MX, ConnectorType: Partner, RecipientDomains: [mx.test] }
      - { Name: Range, ConnectorType: Partner, RecipientDomains: [range.test], SmartHosts: ["192.0.2.0/28"] }
    InboundConnectors:
      - { Name: From on-premises (certificate), ConnectorType: OnPremises, TlsSenderCertificateName: "*.contoso.com", RequireTls: true }
      - { Name: From on-premises (IP), ConnectorType: OnPremises, SenderIPAddresses: [192.0.2.10] }
    SubmissionLogins:
      - { Login: scanner01, Mailbox: scanner@contoso.com }
`

// twoTenants adds fabrikam, with its own route for fabrikam.com.
const twoTenants = testConfig + `
  - Id: fabrikam
    AcceptedDomains:
      - { DomainName: fabrikam.com }
    OutboundConnectors:
      - { Name: To fabrikam, ConnectorType: OnPremises, AllAcceptedDomains: true, SmartHosts: [mx.fabrikam.com] }
`

func directory(t testing.TB, yaml string) *attribution.Directory {
	t.Helper()
	cfg, err := config.Parse([]byte(yaml), "test.yaml")
	require.NoError(t, err)
	return cfg.Directory()
}

// logBuffer collects log output safely across goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitFor polls until the log holds s.
func (b *logBuffer) waitFor(t *testing.T, s string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(b.String(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("log never said %q; log:\n%s", s, b.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func testLogger(level slog.Level) (*slog.Logger, *logBuffer) {
	b := &logBuffer{}
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: level})), b
}

// serving is something with Serve and Close.
type serving interface {
	Serve(net.Listener) error
	Close() error
}

// start serves s on a loopback port and returns its address.
func start(t testing.TB, s serving) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- s.Serve(l) }()
	t.Cleanup(func() {
		s.Close()
		if err := <-done; err != ErrServerClosed {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return l.Addr().String()
}

// client is a test connection to a server.
type client struct {
	t  testing.TB
	nc net.Conn
	br *bufio.Reader
}

func dial(t testing.TB, addr string) *client {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	return &client{t: t, nc: nc, br: bufio.NewReader(nc)}
}

func (c *client) send(s string) {
	c.t.Helper()
	_, err := io.WriteString(c.nc, s)
	require.NoError(c.t, err)
}

// policyAnswer reads "action=...\n\n" and returns the action.
func (c *client) policyAnswer() string {
	c.t.Helper()
	line, err := c.br.ReadString('\n')
	require.NoError(c.t, err, "reading the answer")
	empty, err := c.br.ReadString('\n')
	require.NoError(c.t, err, "reading the empty line after the answer")
	require.Equal(c.t, "\n", empty, "an answer ends with an empty line")
	require.True(c.t, strings.HasPrefix(line, "action="), "answer %q", line)
	return strings.TrimSuffix(strings.TrimPrefix(line, "action="), "\n")
}

// closed reports whether the server closed the connection.
func (c *client) closed() bool {
	c.t.Helper()
	_, err := c.br.ReadByte()
	return err == io.EOF
}

// request writes a policy request from name=value pairs, on top of the
// attributes every RCPT request carries.
func request(attrs ...string) string {
	base := map[string]string{
		"request":        "smtpd_access_policy",
		"protocol_state": "RCPT",
		"protocol_name":  "ESMTP",
		"client_address": "198.51.100.7",
		"server_port":    "25",
		"sender":         "someone@elsewhere.example",
		"recipient":      "bob@contoso.com",
		"instance":       "1c3e.6b03f603.d2df.0",
	}
	order := []string{"request", "protocol_state", "protocol_name", "client_address", "server_port", "sender", "recipient", "instance"}
	for i := 0; i+1 < len(attrs); i += 2 {
		if _, ok := base[attrs[i]]; !ok {
			order = append(order, attrs[i])
		}
		base[attrs[i]] = attrs[i+1]
	}
	var b strings.Builder
	for _, k := range order {
		b.WriteString(k + "=" + base[k] + "\n")
	}
	b.WriteString("\n")
	return b.String()
}

func dialErr(addr string) (net.Conn, error) {
	nc, err := net.DialTimeout("tcp", addr, time.Second)
	if err == nil {
		nc.Close()
	}
	return nc, err
}

// waitActive waits until n connections of srv are serving a request.
func waitActive(t *testing.T, srv *server, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		active := 0
		srv.mu.Lock()
		for c := range srv.conns {
			c.mu.Lock()
			if c.state == stateActive {
				active++
			}
			c.mu.Unlock()
		}
		srv.mu.Unlock()
		if active >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d connections active, want %d", active, n)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
