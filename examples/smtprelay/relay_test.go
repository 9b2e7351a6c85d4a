package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailflow-go/mailflow/attribution"
	"github.com/mailflow-go/mailflow/config"
)

// The tenant has an IP connector for loopback (every test client), so
// that ATTR36 can happen, and a certificate connector for *.contoso.com.
const relayConfig = `
Tenants:
  - Id: contoso
    AcceptedDomains:
      - { DomainName: contoso.com }
    OutboundConnectors:
      - { Name: To on-premises, ConnectorType: OnPremises, AllAcceptedDomains: true, SmartHosts: [mail.contoso.com] }
      - { Name: To partner, ConnectorType: Partner, RecipientDomains: [partner.test], SmartHosts: [192.0.2.25] }
    InboundConnectors:
      - { Name: From on-premises (certificate), ConnectorType: OnPremises, TlsSenderCertificateName: "*.contoso.com", RequireTls: true }
      - { Name: From on-premises (IP), ConnectorType: OnPremises, SenderIPAddresses: [127.0.0.1] }
`

// pki is a test CA with a server certificate and client certificates.
type pki struct {
	pool                    *x509.CertPool
	server                  tls.Certificate
	contoso, foreign, rogue tls.Certificate // rogue is self-signed
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	key := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		require.NoError(t, err)
		return k
	}
	serial := int64(1)
	issue := func(tmpl *x509.Certificate, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (tls.Certificate, *x509.Certificate) {
		serial++
		k := key()
		tmpl.SerialNumber = big.NewInt(serial)
		tmpl.NotBefore = time.Now().Add(-time.Hour)
		tmpl.NotAfter = time.Now().Add(time.Hour)
		if parent == nil {
			parent, parentKey = tmpl, k
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &k.PublicKey, parentKey)
		require.NoError(t, err)
		cert, err := x509.ParseCertificate(der)
		require.NoError(t, err)
		return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: k, Leaf: cert}, cert
	}
	caTLS, ca := issue(&x509.Certificate{Subject: pkix.Name{CommonName: "Test CA"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}, nil, nil)
	caKey := caTLS.PrivateKey.(*ecdsa.PrivateKey)
	p := &pki{pool: x509.NewCertPool()}
	p.pool.AddCert(ca)
	p.server, _ = issue(&x509.Certificate{Subject: pkix.Name{CommonName: "relay.test"}, DNSNames: []string{"relay.test"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, ca, caKey)
	client := func(cn string) *x509.Certificate {
		return &x509.Certificate{Subject: pkix.Name{CommonName: cn}, DNSNames: []string{cn}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	}
	p.contoso, _ = issue(client("mail.contoso.com"), ca, caKey)
	p.foreign, _ = issue(client("mail.unrelated.example"), ca, caKey)
	p.rogue, _ = issue(client("mail.contoso.com"), nil, nil)
	return p
}

// relay is a running example server.
type relay struct {
	addr string
	pki  *pki
	logs *syncBuffer

	mu        sync.Mutex
	delivered []*Envelope
	deliver   func(*Envelope) error // nil: accept
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func startRelay(t *testing.T) *relay {
	t.Helper()
	cfg, err := config.Parse([]byte(relayConfig), "relay.yaml")
	require.NoError(t, err)
	dir := cfg.Directory()
	r := &relay{pki: newPKI(t), logs: &syncBuffer{}}
	b := &Backend{
		Directory: attribution.NewHolder(dir),
		Logger:    slog.New(slog.NewTextHandler(r.logs, nil)),
		Deliver: func(_ context.Context, e *Envelope) error {
			r.mu.Lock()
			defer r.mu.Unlock()
			if r.deliver != nil {
				return r.deliver(e)
			}
			r.delivered = append(r.delivered, e)
			return nil
		},
	}
	tc := &tls.Config{Certificates: []tls.Certificate{r.pki.server}, ClientCAs: r.pki.pool, ClientAuth: tls.VerifyClientCertIfGiven, MinVersion: tls.VersionTLS12}
	s := newServer(b, "relay.test", tc)
	s.ErrorLog = nopLogger{}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go s.Serve(l)
	t.Cleanup(func() {
		s.Close()
		if t.Failed() {
			t.Logf("relay log:\n%s", r.logs.String())
		}
	})
	r.addr = l.Addr().String()
	return r
}

type nopLogger struct{}

func (nopLogger) Printf(string, ...any) {}
func (nopLogger) Println(...any)        {}

// dial connects a client, with STARTTLS and a client certificate when
// cert is not nil.
func (r *relay) dial(t *testing.T, cert *tls.Certificate) *smtp.Client {
	t.Helper()
	if cert == nil {
		c, err := smtp.Dial(r.addr)
		require.NoError(t, err)
		t.Cleanup(func() { c.Close() })
		require.NoError(t, c.Hello("client.test"))
		return c
	}
	c, err := smtp.DialStartTLS(r.addr, &tls.Config{RootCAs: r.pki.pool, ServerName: "relay.test", Certificates: []tls.Certificate{*cert}})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

func (r *relay) last(t *testing.T) *Envelope {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	require.NotEmpty(t, r.delivered)
	return r.delivered[len(r.delivered)-1]
}

// send runs MAIL, each RCPT and DATA; it returns the RCPT errors.
func send(t *testing.T, c *smtp.Client, from string, to ...string) ([]error, error) {
	t.Helper()
	require.NoError(t, c.Mail(from, nil))
	errs := make([]error, len(to))
	accepted := 0
	for i, rcpt := range to {
		errs[i] = c.Rcpt(rcpt, nil)
		if errs[i] == nil {
			accepted++
		}
	}
	if accepted == 0 {
		require.NoError(t, c.Reset())
		return errs, nil
	}
	w, err := c.Data()
	require.NoError(t, err)
	_, err = io.WriteString(w, "Subject: test\r\n\r\nhello\r\n")
	require.NoError(t, err)
	return errs, w.Close()
}

// smtpErr asserts that err is the reply code enhanced.
func smtpErr(t *testing.T, err error, code int, enhanced smtp.EnhancedCode, text string) {
	t.Helper()
	var se *smtp.SMTPError
	require.ErrorAs(t, err, &se, "want a %d reply, got %v", code, err)
	assert.Equal(t, code, se.Code, "reply code on the wire: %v", se)
	assert.Equal(t, enhanced, se.EnhancedCode, "enhanced status code on the wire: %v", se)
	assert.Contains(t, se.Message, text)
}

func TestRelayDeliver(t *testing.T) {
	r := startRelay(t)
	c := r.dial(t, nil)
	errs, err := send(t, c, "a@foreign.example", "bob@contoso.com")
	require.NoError(t, err)
	require.NoError(t, errs[0])
	e := r.last(t)
	require.Len(t, e.Recipients, 1)
	assert.Equal(t, attribution.Deliver, e.Recipients[0].Disposition)
	assert.Equal(t, "To on-premises", e.Recipients[0].Route.Connector().Name, "Table.Select: all accepted domains")
	assert.Equal(t, `connector "To on-premises": smart hosts mail.contoso.com`, e.Recipients[0].NextHop())
	assert.Contains(t, string(e.Data), "hello")
}

func TestRelayByMailFrom(t *testing.T) {
	r := startRelay(t)
	c := r.dial(t, nil)
	errs, err := send(t, c, "alice@contoso.com", "sun@partner.test", "sun@internet.example")
	require.NoError(t, err)
	require.NoError(t, errs[0])
	require.NoError(t, errs[1])
	e := r.last(t)
	assert.Equal(t, "contoso", e.Tenant)
	assert.Equal(t, attribution.Relay, e.Recipients[0].Disposition)
	assert.Equal(t, "To partner", e.Recipients[0].Route.Connector().Name)
	assert.Nil(t, e.Recipients[1].Route.Connector(), "no connector: default routing")
	assert.Equal(t, "default routing (MX)", e.Recipients[1].NextHop())
	assert.Contains(t, r.logs.String(), "basis=mail-from")
}

// The ATTR36 rejection reaches the client as 550 5.7.64, per RCPT; the
// other recipients of the message go on.
func TestRelayATTR36(t *testing.T) {
	r := startRelay(t)
	c := r.dial(t, nil)
	errs, err := send(t, c, "", "bob@contoso.com", "sun@internet.example", "carol@contoso.com")
	require.NoError(t, err)
	require.NoError(t, errs[0])
	smtpErr(t, errs[1], 550, smtp.EnhancedCode{5, 7, 64}, "Relay Access Denied ATTR36")
	require.NoError(t, errs[2])
	e := r.last(t)
	require.Len(t, e.Recipients, 2)
	assert.Equal(t, "bob@contoso.com", e.Recipients[0].Address)
	assert.Equal(t, "carol@contoso.com", e.Recipients[1].Address)

	// A foreign sender too.
	errs, _ = send(t, c, "a@foreign.example", "sun@internet.example")
	smtpErr(t, errs[0], 550, smtp.EnhancedCode{5, 7, 64}, "ATTR36")
}

// A verified client certificate proving contoso.com lets a null sender
// (an NDR) relay to the internet, which nothing else allows.
func TestRelayClientCertificate(t *testing.T) {
	r := startRelay(t)
	c := r.dial(t, &r.pki.contoso)
	errs, err := send(t, c, "", "sun@internet.example")
	require.NoError(t, err)
	require.NoError(t, errs[0])
	e := r.last(t)
	assert.Equal(t, "<>", e.From)
	assert.Equal(t, "contoso", e.Tenant)
	assert.Equal(t, attribution.Relay, e.Recipients[0].Disposition)
	assert.Contains(t, r.logs.String(), `basis=certificate`)
	assert.Contains(t, r.logs.String(), `connector="From on-premises (certificate)"`)

	// A verified certificate of a domain the tenant does not accept proves
	// nothing: the IP connector decides, ATTR36.
	c = r.dial(t, &r.pki.foreign)
	errs, _ = send(t, c, "", "sun@internet.example")
	smtpErr(t, errs[0], 550, smtp.EnhancedCode{5, 7, 64}, "ATTR36")

	// A certificate that does not verify fails the handshake
	// (VerifyClientCertIfGiven). GetClientCertificate sends it although
	// the server names the CA it accepts.
	rogue := func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &r.pki.rogue, nil }
	raw, err := smtp.DialStartTLS(r.addr, &tls.Config{RootCAs: r.pki.pool, ServerName: "relay.test", GetClientCertificate: rogue})
	if err == nil { // TLS 1.3: the server's verdict comes with the next read
		defer raw.Close()
		err = raw.Mail("", nil)
	}
	assert.Error(t, err, "an untrusted client certificate is refused")
}

// smtpError is the one boundary: whatever the chain of wrapping, the
// client sees the reply's own code, and internal errors become a
// generic 451 without their text.
func TestRelayErrorBoundary(t *testing.T) {
	r := startRelay(t)
	tests := []struct {
		name     string
		err      error
		code     int
		enhanced smtp.EnhancedCode
		text     string
	}{
		{"wrapped 5xx stays 5xx", fmt.Errorf("queue: %w", &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "Content rejected"}),
			554, smtp.EnhancedCode{5, 6, 0}, "Content rejected"},
		{"doubly wrapped 5xx", fmt.Errorf("a: %w", fmt.Errorf("b: %w", &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "No"})),
			550, smtp.EnhancedCode{5, 7, 1}, "No"},
		{"joined 5xx", errors.Join(errors.New("first"), &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4}, Message: "Too big"}),
			552, smtp.EnhancedCode{5, 3, 4}, "Too big"},
		{"wrapped mailflow reply", fmt.Errorf("policy: %w", &ReplyError{Reply: attribution.ReplyRelayDeniedATTR36, Detail: "secret detail"}),
			550, smtp.EnhancedCode{5, 7, 64}, "Relay Access Denied ATTR36"},
		{"wrapped 4xx stays 4xx", fmt.Errorf("x: %w", &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 3, 1}, Message: "Full"}),
			452, smtp.EnhancedCode{4, 3, 1}, "Full"},
		{"internal error", fmt.Errorf("disk: %w", errors.New("/var/spool/secret: no space")),
			451, smtp.EnhancedCode{4, 3, 0}, "Temporary server error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r.mu.Lock()
			r.deliver = func(*Envelope) error { return tt.err }
			r.mu.Unlock()
			c := r.dial(t, nil)
			errs, err := send(t, c, "alice@contoso.com", "bob@contoso.com")
			require.NoError(t, errs[0])
			smtpErr(t, err, tt.code, tt.enhanced, tt.text)
			assert.NotContains(t, err.Error(), "secret", "internal detail never reaches the client")
		})
	}
	assert.Contains(t, r.logs.String(), "/var/spool/secret: no space", "the detail is logged")
}

func TestFromReply(t *testing.T) {
	tests := []struct {
		in   attribution.Reply
		want smtp.EnhancedCode
	}{
		{attribution.ReplyRelayDeniedATTR36, smtp.EnhancedCode{5, 7, 64}},
		{attribution.ReplyRateLimited, smtp.EnhancedCode{4, 7, 0}},
		{attribution.Reply{Code: 550, Text: "no enhanced code"}, smtp.NoEnhancedCode},
		{attribution.Reply{Code: 550, Enhanced: "4.7.1", Text: "class differs from the code"}, smtp.NoEnhancedCode},
		{attribution.Reply{Code: 550, Enhanced: "5.x.1", Text: "junk"}, smtp.NoEnhancedCode},
	}
	for _, tt := range tests {
		got := fromReply(tt.in)
		assert.Equal(t, tt.in.Code, got.Code)
		assert.Equal(t, tt.want, got.EnhancedCode, tt.in.String())
		assert.Equal(t, tt.in.Text, got.Message)
	}
}
