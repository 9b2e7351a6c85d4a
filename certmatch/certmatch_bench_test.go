package certmatch_test

import (
	"crypto/x509"
	"testing"

	"github.com/mailflow-go/mailflow/certmatch"
	"github.com/mailflow-go/mailflow/domain"
)

// The design's target: matching a 10-SAN certificate is ≥ 20× faster than
// x509's VerifyHostname and allocates nothing. Both sides run here on the
// same certificate, in the same run, so the ratio is what counts:
//
//	go test -run '^$' -bench . -benchmem ./certmatch
//
// Match is where the last SAN matches and Miss where none does: both walk
// the whole list, the worst case. First matches the first name.

// benchCert has ten DNS SANs: nine hosts, then a wildcard.
func benchCert(b *testing.B) (*x509.Certificate, certmatch.Names) {
	b.Helper()
	cert := mustSelfSigned(certSpec{DNS: []string{
		"mx1.contoso.com", "mx2.contoso.com", "mx3.contoso.com", "relay1.contoso.net", "relay2.contoso.net",
		"smtp.fabrikam.com", "mail.fabrikam.com", "out.tailspin.co.uk", "in.tailspin.co.uk", "*.hybrid.contoso.com",
	}})
	ns := certmatch.FromCertificate(cert)
	if ns.Len() != 10 {
		b.Fatalf("%d names", ns.Len())
	}
	return cert, ns
}

func BenchmarkVerifyHostname(b *testing.B) {
	cert, _ := benchCert(b)
	b.Run("Match", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if cert.VerifyHostname("edge.hybrid.contoso.com") != nil {
				b.Fatal("no match")
			}
		}
	})
	b.Run("Miss", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if cert.VerifyHostname("mail.northwind.com") == nil {
				b.Fatal("match")
			}
		}
	})
}

// BenchmarkMatchHost is the same question as VerifyHostname (is the
// certificate valid for this host?), on parsed names.
func BenchmarkMatchHost(b *testing.B) {
	_, ns := benchCert(b)
	hit, miss := domain.MustParse("edge.hybrid.contoso.com"), domain.MustParse("mail.northwind.com")
	b.Run("Match", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := ns.MatchHost(hit); !ok {
				b.Fatal("no match")
			}
		}
	})
	b.Run("Miss", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := ns.MatchHost(miss); ok {
				b.Fatal("match")
			}
		}
	})
}

// BenchmarkMatch is connector matching: a TlsSenderCertificateName pattern
// against the names.
func BenchmarkMatch(b *testing.B) {
	_, ns := benchCert(b)
	for _, bb := range []struct {
		name, pattern string
		want          bool
	}{
		{"Match", "*.hybrid.contoso.com", true},  // the last name, a wildcard
		{"Miss", "*.northwind.com", false},       // no name
		{"First", "*.contoso.com", true},         // the first name
		{"Exact", "in.tailspin.co.uk", true},     // the ninth name
		{"ExactMiss", "mx.northwind.com", false}, // no name
	} {
		p := domain.MustParsePattern(bb.pattern)
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := ns.Match(p); ok != bb.want {
					b.Fatal("wrong answer")
				}
			}
		})
	}
}

func BenchmarkProves(b *testing.B) {
	_, ns := benchCert(b)
	for _, bb := range []struct {
		name string
		a    domain.AcceptedDomain
		want bool
	}{
		{"Match", accepted("hybrid.contoso.com"), true},
		{"Miss", accepted("northwind.com"), false},
		{"MatchSubDomains", matchSub("contoso.net"), true},
	} {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := ns.Proves(bb.a); ok != bb.want {
					b.Fatal("wrong answer")
				}
			}
		})
	}
}

func BenchmarkFromCertificate(b *testing.B) {
	cert, _ := benchCert(b)
	b.ReportAllocs()
	for b.Loop() {
		certmatch.FromCertificate(cert)
	}
}
