package certmatch_test

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"

	"github.com/mailflow-go/mailflow/certmatch"
	"github.com/mailflow-go/mailflow/domain"
)

func ExampleFromCertificate() {
	// A certificate as an on-premises relay presents it (made here with
	// crypto/x509; see helpers_test.go).
	cert := mustSelfSigned(certSpec{
		CN:  []string{"relay.contoso.com"},
		DNS: []string{"relay.contoso.com", "*.contoso.com", "f*.contoso.com"},
		IPs: []net.IP{net.IPv4(192, 0, 2, 25)},
	})
	names := certmatch.FromCertificate(cert)
	for n, field := range names.All() {
		fmt.Printf("%s (%s)\n", n, field)
	}
	for _, e := range names.Skipped() {
		fmt.Println("skipped:", e)
	}
	// Output:
	// relay.contoso.com (CN+SAN)
	// *.contoso.com (SAN)
	// skipped: certmatch: bad certificate name "f*.contoso.com" (SAN): partial wildcard "f*": "*" must be the whole leftmost label (RFC 6125 §6.4.3 rule 3 is not followed)
}

func ExampleFromConnectionState() {
	// A server that verifies client certificates against its CA.
	ca := newTestCA()
	_, der := ca.issue(certSpec{CN: []string{"mail.contoso.com"}, DNS: []string{"mail.contoso.com"}})
	client := &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: sharedKey()}

	state := serverState(ca, tls.RequireAndVerifyClientCert, client)
	names, err := certmatch.FromConnectionState(state)
	fmt.Println(names, err)

	// The same client, where the server asks for a certificate but does
	// not verify it.
	state = serverState(ca, tls.RequireAnyClientCert, client)
	_, err = certmatch.FromConnectionState(state)
	fmt.Println(errors.Is(err, certmatch.ErrUnverified))
	// Output:
	// mail.contoso.com <nil>
	// true
}

// serverState runs a TLS handshake and returns the server's connection
// state (the tests' handshake helper, without a *testing.T).
func serverState(ca *testCA, auth tls.ClientAuthType, client *tls.Certificate) tls.ConnectionState {
	var t fatalTB
	srv, _ := handshake(&t, ca, auth, client)
	return srv
}

func ExampleFromPostfix() {
	// ccert_subject from a Postfix policy request: the CN of a verified
	// client certificate, xtext-encoded.
	names, err := certmatch.FromPostfix("mail.contoso.com")
	fmt.Println(names, err)

	// Postfix leaves ccert_subject empty for an unverified certificate.
	_, err = certmatch.FromPostfix("")
	fmt.Println(err)
	// Output:
	// mail.contoso.com <nil>
	// certmatch: unverified certificate: empty ccert_subject: Postfix sends it only for a verified client certificate with a CN
}

func ExamplePins() {
	// Pin a client certificate's SHA-256 fingerprint to its names: Postfix
	// sends ccert_fingerprint for every client certificate, but never its
	// SANs.
	var pins certmatch.Pins
	err := pins.Add("AA:8F:E7:E4:8E:9C:B0:A5:6D:10:94:15:3E:AB:AE:79:91:99:FC:48:35:E4:87:EC:D4:5C:13:4B:FA:66:99:37",
		"relay.contoso.com", "*.contoso.com")
	if err != nil {
		panic(err)
	}
	// Any spelling of the fingerprint finds the pin.
	names, ok := pins.Lookup("aa8fe7e48e9cb0a56d1094153eabae799199fc4835e487ecd45c134bfa669937")
	fmt.Println(names, ok)
	// Output:
	// relay.contoso.com, *.contoso.com true
}

func ExampleNames_Match() {
	names, _ := certmatch.ParseNames("relay.contoso.com", "*.eu.contoso.com")
	// An exact pattern never matches a wildcard name, even for one of the
	// hosts the wildcard covers: smtp.eu.contoso.com finds no match.
	for _, s := range []string{"*.contoso.com", "relay.contoso.com", "smtp.eu.contoso.com", "*.fabrikam.com"} {
		// A connector's TlsSenderCertificateName.
		p := domain.MustParsePattern(s)
		if n, ok := names.Match(p); ok {
			fmt.Printf("%s: matches %s\n", p, n)
		} else {
			fmt.Printf("%s: no match\n", p)
		}
	}
	// Output:
	// *.contoso.com: matches relay.contoso.com
	// relay.contoso.com: matches relay.contoso.com
	// smtp.eu.contoso.com: no match
	// *.fabrikam.com: no match
}

func ExampleNames_Prove() {
	names, _ := certmatch.ParseNames("host.sub.contoso.com", "*.fabrikam.com")
	accepted := []domain.AcceptedDomain{
		{Name: domain.MustParse("contoso.com")},
		{Name: domain.MustParse("fabrikam.com")},
	}
	// host.sub.contoso.com is two labels below contoso.com: no proof
	// (ATTR36).
	fmt.Println(names.Prove(accepted))

	// Accepting sub.contoso.com fixes it.
	accepted = append(accepted, domain.AcceptedDomain{Name: domain.MustParse("sub.contoso.com")})
	fmt.Println(names.Prove(accepted))
	// Output:
	// [fabrikam.com by *.fabrikam.com]
	// [fabrikam.com by *.fabrikam.com sub.contoso.com by host.sub.contoso.com]
}

func ExampleName_ProofCandidates() {
	for _, s := range []string{"mail.contoso.com", "*.contoso.com", "contoso.co.uk"} {
		c, k := certmatch.MustParseName(s).ProofCandidates()
		fmt.Println(s, c[:k])
	}
	// Output:
	// mail.contoso.com [mail.contoso.com contoso.com]
	// *.contoso.com [contoso.com]
	// contoso.co.uk [contoso.co.uk]
}
