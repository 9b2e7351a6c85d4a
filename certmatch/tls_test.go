package certmatch_test

import (
	"crypto/tls"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/mailflow-go/mailflow/certmatch"
)

// handshake runs a real TLS handshake over net.Pipe between a client
// presenting clientCert (none when nil) and a server with clientAuth, and
// returns the server's view of the connection. The server's certificate is
// issued by ca for mx.test.local.
func handshake(t testing.TB, ca *testCA, clientAuth tls.ClientAuthType, clientCert *tls.Certificate) (server, client tls.ConnectionState) {
	t.Helper()
	_, srvDER := ca.issue(certSpec{CN: []string{"mx.test.local"}, DNS: []string{"mx.test.local"}})
	srvConf := &tls.Config{
		Certificates:           []tls.Certificate{{Certificate: [][]byte{srvDER}, PrivateKey: sharedKey()}},
		ClientAuth:             clientAuth,
		ClientCAs:              ca.pool,
		SessionTicketsDisabled: true, // nothing is written after the handshake: net.Pipe does not buffer
	}
	cliConf := &tls.Config{RootCAs: ca.pool, ServerName: "mx.test.local"}
	if clientCert != nil {
		// Present it whatever CAs the server asks for (a self-signed
		// certificate matches none of them).
		cliConf.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			return clientCert, nil
		}
	}
	c1, c2 := net.Pipe()
	defer c1.Close()
	defer c2.Close()
	deadline := time.Now().Add(10 * time.Second)
	_ = c1.SetDeadline(deadline)
	_ = c2.SetDeadline(deadline)
	srv, cli := tls.Server(c1, srvConf), tls.Client(c2, cliConf)
	errc := make(chan error, 1)
	go func() { errc <- srv.Handshake() }()
	if err := cli.Handshake(); err != nil {
		t.Fatalf("client handshake: %v", err)
	}
	if err := <-errc; err != nil {
		t.Fatalf("server handshake: %v", err)
	}
	return srv.ConnectionState(), cli.ConnectionState()
}

func TestFromConnectionState(t *testing.T) {
	ca := newTestCA()
	// The client certificate of ../shared/integration/postfix.md: CN,
	// a DNS SAN, a URI (SPIFFE) and an e-mail SAN, and an IP SAN.
	_, cliDER := ca.issue(certSpec{
		CN: []string{"client-cn.example.org"}, Org: "ClientOrg",
		DNS: []string{"client-san.example.net"}, URIs: []string{"spiffe://example.org/agent/42"},
		Emails: []string{"agent@example.org"}, IPs: []net.IP{net.IPv4(127, 0, 0, 1)},
	})
	caSigned := &tls.Certificate{Certificate: [][]byte{cliDER}, PrivateKey: sharedKey()}
	selfDER := mustSelfSigned(certSpec{CN: []string{"self.example.org"}}).Raw
	self := &tls.Certificate{Certificate: [][]byte{selfDER}, PrivateKey: sharedKey()}

	t.Run("verified", func(t *testing.T) {
		for _, auth := range []tls.ClientAuthType{tls.RequireAndVerifyClientCert, tls.VerifyClientCertIfGiven} {
			srv, _ := handshake(t, ca, auth, caSigned)
			ns, err := certmatch.FromConnectionState(srv)
			if err != nil {
				t.Fatalf("%v: %v", auth, err)
			}
			if got := describe(ns); got != "client-cn.example.org(CN) client-san.example.net(SAN)" {
				t.Errorf("%v: names %s", auth, got)
			}
		}
	})
	t.Run("client view of the server", func(t *testing.T) {
		_, cli := handshake(t, ca, tls.NoClientCert, nil)
		ns, err := certmatch.FromConnectionState(cli)
		if err != nil {
			t.Fatal(err)
		}
		if got := describe(ns); got != "mx.test.local(CN+SAN)" {
			t.Errorf("names %s", got)
		}
	})
	t.Run("unverified", func(t *testing.T) {
		// RequireAnyClientCert and RequestClientCert accept any
		// certificate and verify none: the names are not to be trusted,
		// even from a CA-signed certificate.
		for _, tt := range []struct {
			auth tls.ClientAuthType
			cert *tls.Certificate
		}{
			{tls.RequireAnyClientCert, self},
			{tls.RequireAnyClientCert, caSigned},
			{tls.RequestClientCert, caSigned},
		} {
			srv, _ := handshake(t, ca, tt.auth, tt.cert)
			if len(srv.PeerCertificates) == 0 {
				t.Fatalf("%v: no peer certificate", tt.auth)
			}
			ns, err := certmatch.FromConnectionState(srv)
			if !errors.Is(err, certmatch.ErrUnverified) || ns.Len() != 0 {
				t.Errorf("%v: names %s, error %v; want ErrUnverified", tt.auth, describe(ns), err)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "certmatch: unverified certificate \"CN=") {
				t.Errorf("%v: error text %q", tt.auth, err)
			}
		}
	})
	t.Run("no certificate", func(t *testing.T) {
		srv, _ := handshake(t, ca, tls.VerifyClientCertIfGiven, nil)
		_, err := certmatch.FromConnectionState(srv)
		if !errors.Is(err, certmatch.ErrUnverified) {
			t.Errorf("error %v; want ErrUnverified", err)
		}
		if want := "certmatch: unverified certificate: the TLS peer presented no certificate"; err == nil || err.Error() != want {
			t.Errorf("error %q, want %q", err, want)
		}
		if _, err := certmatch.FromConnectionState(tls.ConnectionState{}); !errors.Is(err, certmatch.ErrUnverified) {
			t.Errorf("zero ConnectionState: %v", err)
		}
	})
}
