package postfix

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailflow-go/mailflow/attribution"
	"github.com/mailflow-go/mailflow/config"
)

// Fingerprints of made-up certificates, as Postfix writes them.
const (
	pinnedFP    = "AA:8F:E7:E4:8E:9C:B0:A5:6D:10:94:15:3E:AB:AE:79:91:99:FC:48:35:E4:87:EC:D4:5C:13:4B:FA:66:99:37"
	pinnedKeyFP = "60:C3:AB:2E:3C:49:2B:A0:8C:29:25:5C:4C:1A:46:48:06:12:30:D3:7B:51:4E:95:D3:8C:8B:F5:43:0C:A7:9B"
	otherFP     = "01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13:14:15:16:17:18:19:1A:1B:1C:1D:1E:1F:20"
)

func testPins(t testing.TB) *Pins {
	p, err := config.ParsePins([]byte(`
Pins:
  - Fingerprint: "`+pinnedFP+`"
    Names: [mail.contoso.com]
  - PublicKeyFingerprint: "`+pinnedKeyFP+`"
    Names: ["*.contoso.com"]
`), "pins.yaml")
	require.NoError(t, err)
	return p
}

func newPolicyServer(t testing.TB, yaml string) (*PolicyServer, *logBuffer) {
	log, buf := testLogger(slog.LevelDebug)
	s := &PolicyServer{Directory: attribution.NewHolder(directory(t, yaml)), Logger: log}
	s.SetPins(testPins(t))
	s.init() // so that tests may look at s.srv before Serve runs
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", buf.String())
		}
	})
	return s, buf
}

func TestPolicyDecisions(t *testing.T) {
	s, logs := newPolicyServer(t, testConfig)
	addr := start(t, s)
	c := dial(t, addr)
	tests := []struct {
		name  string
		attrs []string
		want  string
	}{
		// A hybrid server relays an NDR (null sender) to the internet: only
		// a certificate proving contoso.com allows it.
		{"certificate relay", []string{"client_address", "203.0.113.5", "encryption_protocol", "TLSv1.3", "ccert_subject", "mail.contoso.com", "sender", "", "recipient", "sun@internet.example"}, "OK"},
		// The same from the IP-based connector, without a certificate: ATTR36.
		{"ATTR36 null sender over IP connector", []string{"client_address", "192.0.2.10", "sender", "", "recipient", "sun@internet.example"}, "550 5.7.64 Relay Access Denied ATTR36"},
		// A foreign sender over the IP connector: ATTR36 as well.
		{"ATTR36 foreign sender", []string{"client_address", "192.0.2.10", "sender", "a@foreign.example", "recipient", "sun@internet.example"}, "550 5.7.64 Relay Access Denied ATTR36"},
		// The tenant's own sender over the IP connector relays.
		{"relay by MAIL FROM", []string{"client_address", "192.0.2.10", "sender", "alice@contoso.com", "recipient", "sun@internet.example"}, "OK"},
		// Internet mail to an accepted domain is delivered.
		{"anonymous deliver", []string{"recipient", "bob@contoso.com"}, "OK"},
		// Internet mail to elsewhere is refused.
		{"anonymous relay refused", []string{"recipient", "sun@internet.example"}, "550 5.7.1 Unable to relay"},
		// Direct send claiming contoso to the internet.
		{"tenant attribution", []string{"sender", "printer@contoso.com", "recipient", "sun@internet.example"}, "550 5.7.64 TenantAttribution; Relay Access Denied"},
		// ccert_subject is xtext: "+2E" is ".".
		{"xtext ccert_subject", []string{"encryption_protocol", "TLSv1.2", "ccert_subject", "mail+2Econtoso+2Ecom", "sender", "", "recipient", "sun@internet.example"}, "OK"},
		// A verified certificate of another domain proves nothing.
		{"foreign certificate", []string{"client_address", "192.0.2.10", "encryption_protocol", "TLSv1.3", "ccert_subject", "mail.unrelated.example", "sender", "", "recipient", "sun@internet.example"}, "550 5.7.64 Relay Access Denied ATTR36"},
		// An unverified certificate: no ccert_subject, but its fingerprint is pinned.
		{"pinned fingerprint", []string{"encryption_protocol", "TLSv1.3", "ccert_fingerprint", pinnedFP, "sender", "", "recipient", "sun@internet.example"}, "OK"},
		{"pinned fingerprint lower case", []string{"encryption_protocol", "TLSv1.3", "ccert_fingerprint", strings.ToLower(pinnedFP), "sender", "", "recipient", "sun@internet.example"}, "OK"},
		{"pinned public key", []string{"encryption_protocol", "TLSv1.3", "ccert_fingerprint", otherFP, "ccert_pubkey_fingerprint", pinnedKeyFP, "sender", "", "recipient", "sun@internet.example"}, "OK"},
		// An unverified, unpinned certificate counts for nothing.
		{"unpinned fingerprint", []string{"encryption_protocol", "TLSv1.3", "ccert_fingerprint", otherFP, "sender", "", "recipient", "sun@internet.example"}, "550 5.7.1 Unable to relay"},
		// Client submission on 587 needs TLS.
		{"submission", []string{"server_port", "587", "encryption_protocol", "TLSv1.2", "sasl_username", "alice@contoso.com", "sender", "alice@contoso.com", "recipient", "sun@internet.example"}, "OK"},
		{"submission without TLS", []string{"server_port", "587", "sasl_username", "alice@contoso.com", "sender", "alice@contoso.com", "recipient", "sun@internet.example"}, "530 5.7.0 Must issue a STARTTLS command first"},
		{"submission as someone else", []string{"server_port", "587", "encryption_protocol", "TLSv1.3", "sasl_username", "alice@contoso.com", "sender", "ceo@contoso.com", "recipient", "sun@internet.example"}, "550 5.7.60 SMTP; Client does not have permissions to send as this sender"},
		// Only RCPT is decided.
		{"MAIL state", []string{"protocol_state", "MAIL", "recipient", ""}, "DUNNO"},
		{"END-OF-MESSAGE state", []string{"protocol_state", "END-OF-MESSAGE", "recipient", "sun@internet.example"}, "DUNNO"},
		// IPv6 and IPv4-mapped client addresses.
		{"IPv6 client", []string{"client_address", "2001:db8::7", "recipient", "bob@contoso.com"}, "OK"},
		{"mapped IPv4 client", []string{"client_address", "::ffff:192.0.2.10", "sender", "", "recipient", "sun@internet.example"}, "550 5.7.64 Relay Access Denied ATTR36"},
		// A recipient that does not parse.
		{"bad recipient", []string{"recipient", "not an address"}, "501 5.1.3 Bad recipient address syntax"},
		// RCPT TO:<Postmaster> without a domain is the receiving
		// tenant's postmaster (RFC 5321 4.5.1), never a syntax error.
		{"postmaster", []string{"recipient", "Postmaster"}, "OK"},
		{"postmaster over the connector", []string{"client_address", "192.0.2.10", "sender", "", "recipient", "postmaster"}, "OK"},
		// One trailing dot is the same domain (issue 12).
		{"trailing dot", []string{"recipient", "bob@contoso.com."}, "OK"},
		{"trailing dot relay refused", []string{"recipient", "sun@internet.example."}, "550 5.7.1 Unable to relay"},
		// A SASL user name without a domain, mapped by SubmissionLogins.
		{"submission login", []string{"server_port", "587", "encryption_protocol", "TLSv1.2", "sasl_username", "SCANNER01", "sender", "scanner@contoso.com", "recipient", "sun@internet.example"}, "OK"},
		{"submission login, other sender", []string{"server_port", "587", "encryption_protocol", "TLSv1.2", "sasl_username", "scanner01", "sender", "ceo@contoso.com", "recipient", "sun@internet.example"}, "550 5.7.60 SMTP; Client does not have permissions to send as this sender"},
		{"unknown login", []string{"server_port", "587", "encryption_protocol", "TLSv1.2", "sasl_username", "printer7", "sender", "scanner@contoso.com", "recipient", "sun@internet.example"}, "535 5.7.3 Authentication unsuccessful"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.send(request(tt.attrs...))
			assert.Equal(t, tt.want, c.policyAnswer())
		})
	}
	// One connection served them all, and each decision was logged.
	logs.waitFor(t, `basis=certificate`)
	assert.Contains(t, logs.String(), `cert_source=pin`)
	assert.Contains(t, logs.String(), `cert_source=pubkey-pin`)
	assert.Contains(t, logs.String(), `action="550 5.7.64 Relay Access Denied ATTR36"`)
}

// Requests mailflow cannot decide get a temporary failure, and the
// connection goes on.
func TestPolicyBadRequests(t *testing.T) {
	s, logs := newPolicyServer(t, testConfig)
	c := dial(t, start(t, s))
	tests := []struct {
		name string
		req  string
		log  string
	}{
		{"unknown request type", request("request", "junk"), `request=\"junk\": want smtpd_access_policy`},
		{"no request type", "protocol_state=RCPT\nrecipient=a@b.example\n\n", `want smtpd_access_policy`},
		{"bad client address", request("client_address", "unknown"), `client_address=\"unknown\": not an IP address`},
		{"bad port", request("server_port", "http"), `server_port`},
		{"unknown TLS protocol", request("encryption_protocol", "QUIC"), `encryption_protocol`},
		{"bad xtext", request("encryption_protocol", "TLSv1.3", "ccert_subject", "mail+ZZcontoso.com"), `ccert_subject`},
		{"certificate without TLS", request("ccert_subject", "mail.contoso.com"), `a client certificate without TLS`},
		{"line without =", "request=smtpd_access_policy\nprotocol_state=RCPT\ngarbage\n\n", `is not name=value`},
		{"empty name", "request=smtpd_access_policy\n=x\n\n", `is not name=value`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.send(tt.req)
			assert.Equal(t, ActionTempFail, c.policyAnswer())
			logs.waitFor(t, tt.log)
		})
	}
	// Still serving on the same connection.
	c.send(request())
	assert.Equal(t, "OK", c.policyAnswer())
}

// Requests that break the framing or the limits close the connection.
func TestPolicyLimits(t *testing.T) {
	log, logs := testLogger(slog.LevelDebug)
	s := &PolicyServer{
		Directory: attribution.NewHolder(directory(t, testConfig)),
		Logger:    log,
		Limits:    Limits{MaxRequestBytes: 1024, MaxAttributes: 10, ReadTimeout: 300 * time.Millisecond, IdleTimeout: 600 * time.Millisecond},
	}
	addr := start(t, s)

	t.Run("oversized request", func(t *testing.T) {
		c := dial(t, addr)
		c.send("request=smtpd_access_policy\nhelo_name=" + strings.Repeat("x", 2000) + "\n\n")
		assert.True(t, c.closed())
		logs.waitFor(t, "request longer than the limit")
	})
	t.Run("oversized line in small pieces", func(t *testing.T) {
		c := dial(t, addr)
		for range 20 {
			c.nc.Write([]byte(strings.Repeat("y", 100)))
		}
		assert.True(t, c.closed())
	})
	t.Run("too many attributes", func(t *testing.T) {
		c := dial(t, addr)
		c.send(strings.Repeat("a=b\n", 11) + "\n")
		assert.True(t, c.closed())
		logs.waitFor(t, "more than 10 attributes")
	})
	t.Run("within the limits", func(t *testing.T) {
		c := dial(t, addr)
		c.send(request())
		assert.Equal(t, "OK", c.policyAnswer())
	})
	t.Run("request never finished", func(t *testing.T) {
		c := dial(t, addr)
		start := time.Now()
		c.send("request=smtpd_access_policy\nprotocol_state=RCPT\n")
		assert.True(t, c.closed())
		assert.Less(t, time.Since(start), 5*time.Second)
		logs.waitFor(t, "timeout reading a request")
	})
	t.Run("idle connection", func(t *testing.T) {
		c := dial(t, addr)
		c.send(request())
		assert.Equal(t, "OK", c.policyAnswer())
		assert.True(t, c.closed(), "closed after the idle timeout")
		logs.waitFor(t, "idle timeout")
	})
	t.Run("client gone mid-request", func(t *testing.T) {
		c := dial(t, addr)
		c.send("request=smtpd_access_policy\n")
		c.nc.Close()
		logs.waitFor(t, "in the middle of a request")
	})
}

func TestPolicyMaxConnections(t *testing.T) {
	log, logs := testLogger(slog.LevelDebug)
	s := &PolicyServer{Directory: attribution.NewHolder(directory(t, testConfig)), Logger: log, Limits: Limits{MaxConnections: 1}}
	addr := start(t, s)
	first := dial(t, addr)
	first.send(request())
	assert.Equal(t, "OK", first.policyAnswer())
	second := dial(t, addr)
	assert.True(t, second.closed(), "beyond the limit a connection is closed")
	logs.waitFor(t, "too many connections")
	first.send(request())
	assert.Equal(t, "OK", first.policyAnswer(), "the first connection is unharmed")
}

// Postfix may send the next request before reading the answer; answers
// come back in order.
func TestPolicyPipelining(t *testing.T) {
	s, _ := newPolicyServer(t, testConfig)
	c := dial(t, start(t, s))
	var batch strings.Builder
	want := make([]string, 0, 200)
	for i := range 200 {
		if i%2 == 0 {
			batch.WriteString(request("recipient", fmt.Sprintf("u%d@contoso.com", i)))
			want = append(want, "OK")
		} else {
			batch.WriteString(request("recipient", fmt.Sprintf("u%d@internet.example", i)))
			want = append(want, "550 5.7.1 Unable to relay")
		}
	}
	go c.send(batch.String())
	for i, w := range want {
		require.Equal(t, w, c.policyAnswer(), "answer %d", i)
	}
}

// A reload swaps the directory while requests run: every answer comes
// from one directory or the other, never from a mix (run with -race).
func TestPolicyReloadDuringRequests(t *testing.T) {
	withSender := directory(t, testConfig)
	withoutSender := directory(t, strings.Replace(testConfig, "SenderIPAddresses: [192.0.2.10]", "SenderIPAddresses: [192.0.2.99]", 1))
	s, _ := newPolicyServer(t, testConfig)
	addr := start(t, s)

	// From 192.0.2.10 with MAIL FROM contoso.com to the internet: relayed
	// when the IP connector matches, refused as TenantAttribution when not.
	req := request("client_address", "192.0.2.10", "sender", "alice@contoso.com", "recipient", "sun@internet.example")
	valid := map[string]bool{"OK": true, "550 5.7.64 TenantAttribution; Relay Access Denied": true}

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ctx.Err() == nil; i++ {
			if i%2 == 0 {
				s.Directory.Store(withoutSender)
			} else {
				s.Directory.Store(withSender)
			}
			s.SetPins(testPins(t))
			time.Sleep(100 * time.Microsecond)
		}
	}()
	seen := make(chan string, 1000)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := dial(t, addr)
			for range 200 {
				c.send(req)
				seen <- c.policyAnswer()
			}
		}()
	}
	got := map[string]int{}
	for range 800 {
		got[<-seen]++
	}
	cancel()
	wg.Wait()
	for a := range got {
		assert.True(t, valid[a], "unexpected answer %q", a)
	}
	t.Logf("answers: %v", got)
}

// Shutdown closes idle connections at once and lets a request in flight
// finish.
func TestPolicyShutdown(t *testing.T) {
	s, logs := newPolicyServer(t, testConfig)
	addr := start(t, s)
	idle := dial(t, addr)
	idle.send(request())
	assert.Equal(t, "OK", idle.policyAnswer())

	busy := dial(t, addr)
	busy.send("request=smtpd_access_policy\nprotocol_state=RCPT\n")
	waitActive(t, &s.srv, 1) // the busy connection is being served

	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		done <- s.Shutdown(ctx)
	}()
	assert.True(t, idle.closed(), "an idle connection is closed at once")
	select {
	case err := <-done:
		t.Fatalf("Shutdown returned %v with a request in flight", err)
	case <-time.After(100 * time.Millisecond):
	}
	busy.send("client_address=192.0.2.1\nrecipient=bob@contoso.com\n\n")
	assert.Equal(t, "OK", busy.policyAnswer(), "the request in flight is answered; log:\n%s", logs.String())
	assert.True(t, busy.closed(), "then its connection is closed")
	require.NoError(t, <-done)

	_, err := dialErr(addr)
	assert.Error(t, err, "no longer listening")
}

// Shutdown gives up on requests that do not finish in time.
func TestPolicyShutdownDeadline(t *testing.T) {
	s, _ := newPolicyServer(t, testConfig)
	addr := start(t, s)
	busy := dial(t, addr)
	busy.send("request=smtpd_access_policy\n")
	waitActive(t, &s.srv, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := s.Shutdown(ctx)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.True(t, busy.closed())
}

func TestPolicyDecide(t *testing.T) {
	s, _ := newPolicyServer(t, testConfig)
	action, err := s.Decide(&PolicyRequest{Request: "smtpd_access_policy", ProtocolState: "RCPT",
		ClientAddress: "192.0.2.10", Recipient: "sun@internet.example"})
	require.NoError(t, err)
	assert.Equal(t, "550 5.7.64 Relay Access Denied ATTR36", action)

	// Accepted: OK, or DUNNO when Postfix keeps the relay decision.
	ok := &PolicyRequest{Request: "smtpd_access_policy", ProtocolState: "RCPT", ClientAddress: "192.0.2.10", Sender: "alice@contoso.com", Recipient: "sun@internet.example"}
	action, err = s.Decide(ok)
	require.NoError(t, err)
	assert.Equal(t, ActionOK, action)
	s.Accept = ActionDunno
	action, err = s.Decide(ok)
	require.NoError(t, err)
	assert.Equal(t, ActionDunno, action)
	s.Accept = "PERMIT"
	action, err = s.Decide(ok)
	assert.ErrorContains(t, err, `Accept "PERMIT"`)
	assert.Equal(t, ActionTempFail, action)
	s.Accept = ""

	action, err = s.Decide(&PolicyRequest{Request: "smtpd_access_policy", ProtocolState: "RCPT", ClientAddress: "x"})
	var bad *BadRequestError
	require.ErrorAs(t, err, &bad)
	assert.Equal(t, "client_address", bad.Attribute)
	assert.Equal(t, ActionTempFail, action)
}

func TestReplyAction(t *testing.T) {
	assert.Equal(t, "451 4.3.0 try later", replyAction(attribution.Reply{Code: 451, Enhanced: "4.3.0", Text: "try later"}))
	assert.Equal(t, "550 5.7.1 a  b", replyAction(attribution.Reply{Code: 550, Enhanced: "5.7.1", Text: "a\r\nb"}))
	assert.Equal(t, ActionTempFail, replyAction(attribution.Reply{Code: 250, Enhanced: "2.1.5", Text: "OK"}), "never a 2xx as a reject")
}

func TestServeNeedsDirectory(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	assert.ErrorContains(t, (&PolicyServer{}).Serve(l), "Directory is nil")
	assert.ErrorContains(t, (&SocketmapServer{}).Serve(l), "Map and its Directory are required")
	assert.ErrorContains(t, (&TCPTableServer{Map: &TransportMap{}}).Serve(l), "Map and its Directory are required")
}
