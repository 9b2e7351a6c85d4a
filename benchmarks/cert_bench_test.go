package benchmarks

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"

	"github.com/mailflow-go/mailflow/certmatch"
	"github.com/mailflow-go/mailflow/domain"
)

// A copy of certmatch's comparison (certmatch/certmatch_bench_test.go), so
// that RESULTS.md covers DESIGN.md's certificate target: on a certificate
// with ten DNS SANs (nine hosts, then a wildcard), crypto/x509's
// VerifyHostname against certmatch on parsed names. "match" is covered by
// the last SAN and "miss" by none: both walk the whole list.

// sanCert returns a parsed self-signed certificate with ten DNS SANs.
func sanCert(b *testing.B) *x509.Certificate {
	b.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "mx1.contoso.com"},
		DNSNames: []string{
			"mx1.contoso.com", "mx2.contoso.com", "mx3.contoso.com", "relay1.contoso.net", "relay2.contoso.net",
			"smtp.fabrikam.com", "mail.fabrikam.com", "out.tailspin.co.uk", "in.tailspin.co.uk", "*.hybrid.contoso.com",
		},
		NotBefore:   time.Now().Add(-time.Hour),
		NotAfter:    time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		b.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		b.Fatal(err)
	}
	return cert
}

// BenchmarkCert compares, on the same certificate and in the same run:
//
//	op=verify-hostname  x509.Certificate.VerifyHostname(host)
//	op=match-host       certmatch.Names.MatchHost(host): the same question
//	op=match-pattern    certmatch.Names.Match(pattern): connector matching
//	                    (TlsSenderCertificateName *.hybrid.contoso.com,
//	                    *.northwind.com)
func BenchmarkCert(b *testing.B) {
	cert := sanCert(b)
	ns := certmatch.FromCertificate(cert)
	if ns.Len() != 10 {
		b.Fatalf("%d names, want 10", ns.Len())
	}
	hosts := map[string]string{"match": "edge.hybrid.contoso.com", "miss": "mail.northwind.com"}
	patterns := map[string]string{"match": "*.hybrid.contoso.com", "miss": "*.northwind.com"}
	for _, q := range []string{"match", "miss"} {
		want := q == "match"
		host := hosts[q]
		b.Run("op=verify-hostname/q="+q, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if (cert.VerifyHostname(host) == nil) != want {
					b.Fatal("wrong answer")
				}
			}
		})
		name := domain.MustParse(host)
		b.Run("op=match-host/q="+q, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := ns.MatchHost(name); ok != want {
					b.Fatal("wrong answer")
				}
			}
			b.ReportMetric(exactAllocs(func() { ns.MatchHost(name) }), "exact-allocs/op")
		})
		p := domain.MustParsePattern(patterns[q])
		b.Run("op=match-pattern/q="+q, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := ns.Match(p); ok != want {
					b.Fatal("wrong answer")
				}
			}
			b.ReportMetric(exactAllocs(func() { ns.Match(p) }), "exact-allocs/op")
		})
	}
}
