package certmatch_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"
)

// Certificates for the tests and examples are made here with crypto/x509
// and P-256 keys; nothing is read from disk.

var (
	keyOnce sync.Once
	testKey *ecdsa.PrivateKey
)

// sharedKey returns one P-256 key, generated once per test binary, that
// signs and is certified by every test certificate: the tests look at
// names, not at keys.
func sharedKey() *ecdsa.PrivateKey {
	keyOnce.Do(func() {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		testKey = k
	})
	return testKey
}

var oidCN = asn1.ObjectIdentifier{2, 5, 4, 3}

// certSpec describes a test certificate's names.
type certSpec struct {
	CN     []string // Subject common names, in order
	DNS    []string // dNSName SANs
	IPs    []net.IP
	URIs   []string
	Emails []string
	// Org is the Subject organisation, to show that only the CN counts.
	Org string
}

// template turns spec into a certificate template valid for client and
// server authentication for a day from a fixed time.
func (spec certSpec) template(serial int64) *x509.Certificate {
	subject := pkix.Name{}
	if spec.Org != "" {
		subject.Organization = []string{spec.Org}
	}
	for _, cn := range spec.CN {
		subject.ExtraNames = append(subject.ExtraNames, pkix.AttributeTypeAndValue{Type: oidCN, Value: cn})
	}
	var uris []*url.URL
	for _, u := range spec.URIs {
		p, err := url.Parse(u)
		if err != nil {
			panic(err)
		}
		uris = append(uris, p)
	}
	return &x509.Certificate{
		SerialNumber:   big.NewInt(serial),
		Subject:        subject,
		DNSNames:       spec.DNS,
		IPAddresses:    spec.IPs,
		URIs:           uris,
		EmailAddresses: spec.Emails,
		NotBefore:      time.Now().Add(-time.Hour),
		NotAfter:       time.Now().Add(24 * time.Hour),
		KeyUsage:       x509.KeyUsageDigitalSignature,
		ExtKeyUsage:    []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth},
	}
}

// selfSigned returns a parsed self-signed certificate with spec's names.
func selfSigned(spec certSpec) (*x509.Certificate, error) {
	tmpl := spec.template(1)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &sharedKey().PublicKey, sharedKey())
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

// mustSelfSigned is selfSigned for names known to be accepted by x509.
func mustSelfSigned(spec certSpec) *x509.Certificate {
	c, err := selfSigned(spec)
	if err != nil {
		panic(err)
	}
	return c
}

// testCA is a certificate authority for TLS handshakes.
type testCA struct {
	cert *x509.Certificate
	pool *x509.CertPool
}

func newTestCA() *testCA {
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(100),
		Subject:               pkix.Name{CommonName: "Test CA", Organization: []string{"PfxTest"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &sharedKey().PublicKey, sharedKey())
	if err != nil {
		panic(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		panic(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert: cert, pool: pool}
}

var serials struct {
	sync.Mutex
	next int64
}

// issue returns a certificate for spec signed by ca, with its DER.
func (ca *testCA) issue(spec certSpec) (*x509.Certificate, []byte) {
	serials.Lock()
	serials.next++
	serial := 1000 + serials.next
	serials.Unlock()
	der, err := x509.CreateCertificate(rand.Reader, spec.template(serial), ca.cert, &sharedKey().PublicKey, sharedKey())
	if err != nil {
		panic(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		panic(err)
	}
	return cert, der
}

// fatalTB lets examples use the tests' helpers: it panics where a test
// would fail.
type fatalTB struct{ testing.TB }

func (*fatalTB) Helper() {}

func (*fatalTB) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
