package certmatch

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"iter"
	"strings"

	"github.com/mailflow-go/mailflow/domain"
)

// Field says where a certificate name was found. Fields combine: a name
// that is both the CN and a SAN, as is common, has CN|SAN.
type Field uint8

const (
	// CN is the Subject common name.
	CN Field = 1 << iota
	// SAN is a dNSName subjectAltName.
	SAN
	// Given is a name given by configuration ([ParseNames], [Pins]), not
	// read from a certificate.
	Given
)

// String returns "CN", "SAN", "given", or several joined with "+"
// ("CN+SAN").
func (f Field) String() string {
	var parts []string
	for _, x := range []struct {
		f Field
		s string
	}{{CN, "CN"}, {SAN, "SAN"}, {Given, "given"}} {
		if f&x.f != 0 {
			parts = append(parts, x.s)
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "+")
}

// Names are the DNS names of one certificate, in certificate order (Subject
// CNs first, then DNS SANs as listed), each once, with where it was found;
// and the names that were skipped because they could not be read.
//
// The zero Names holds no name and matches nothing. Names are immutable
// once built: copying one is cheap (it shares its backing arrays) and they
// are safe for concurrent use.
type Names struct {
	list    []Name
	fields  []Field
	skipped []*Error
}

// FromCertificate returns the names of cert: the Subject common names and
// the dNSName SANs. IP, URI, e-mail and other SANs are ignored; names that
// do not parse with [ParseName] are skipped and reported in
// [Names.Skipped]. FromCertificate does not verify cert: it is for a
// certificate the caller has verified or pinned. A nil cert has no names.
func FromCertificate(cert *x509.Certificate) Names {
	var b builder
	if cert == nil {
		return b.names
	}
	sawCN := false
	for _, atv := range cert.Subject.Names {
		if !atv.Type.Equal(oidCommonName) {
			continue
		}
		sawCN = true
		if s, ok := atv.Value.(string); ok {
			b.add(CN, s)
		} else {
			b.skip(&Error{What: whatName, Field: CN, Input: fmt.Sprint(atv.Value), Msg: "CN value is not a string"})
		}
	}
	if !sawCN && cert.Subject.CommonName != "" {
		// A certificate built in memory rather than parsed has no
		// Subject.Names.
		b.add(CN, cert.Subject.CommonName)
	}
	for _, s := range cert.DNSNames {
		b.add(SAN, s)
	}
	return b.names
}

var oidCommonName = asn1.ObjectIdentifier{2, 5, 4, 3}

// FromConnectionState returns the names of the peer certificate of a TLS
// connection, provided its chain was verified. It returns an error matching
// [ErrUnverified] when there is no peer certificate or no verified chain.
//
// A server fills VerifiedChains only with ClientAuth set to
// tls.VerifyClientCertIfGiven or tls.RequireAndVerifyClientCert;
// tls.RequestClientCert and tls.RequireAnyClientCert accept any certificate
// without verifying it, and so do clients with InsecureSkipVerify. Code that
// verifies the peer itself (VerifyPeerCertificate) should call
// [FromCertificate] on the leaf it verified.
func FromConnectionState(cs tls.ConnectionState) (Names, error) {
	if len(cs.PeerCertificates) == 0 {
		return Names{}, &Error{What: whatUnverified, Msg: "the TLS peer presented no certificate", Err: ErrUnverified}
	}
	if len(cs.VerifiedChains) == 0 || len(cs.VerifiedChains[0]) == 0 {
		return Names{}, &Error{What: whatUnverified, Input: cs.PeerCertificates[0].Subject.String(),
			Msg: "the TLS peer certificate was not verified (a server needs ClientAuth VerifyClientCertIfGiven or RequireAndVerifyClientCert)",
			Err: ErrUnverified}
	}
	return FromCertificate(cs.VerifiedChains[0][0]), nil
}

// FromCN returns the names of a certificate known only by its Subject
// common name, which the caller has verified: what an MTA passes when it
// passes no certificate. The CN is read as [ParseName] reads it; when it is
// not a DNS name the result is empty and says why in [Names.Skipped].
func FromCN(cn string) Names {
	var b builder
	b.add(CN, cn)
	return b.names
}

// FromPostfix returns the names of a Postfix client certificate from the
// ccert_subject attribute of a policy request (check_policy_service).
// Postfix sends the Subject CN there, xtext-encoded ("+20" for a space),
// and only when the certificate chain verified against smtpd_tls_CAfile; it
// never sends SANs. An empty ccert_subject gives an error matching
// [ErrUnverified]: no certificate, an unverified one, or one without a CN.
// For those, and for the SANs, pin the certificate's fingerprint
// (ccert_fingerprint) with [Pins].
func FromPostfix(ccertSubject string) (Names, error) {
	if ccertSubject == "" {
		return Names{}, &Error{What: whatUnverified,
			Msg: "empty ccert_subject: Postfix sends it only for a verified client certificate with a CN",
			Err: ErrUnverified}
	}
	cn, err := decodeXtext(ccertSubject)
	if err != nil {
		return Names{}, err
	}
	return FromCN(cn), nil
}

// decodeXtext decodes RFC 3461 xtext: "+HH" is the byte with hex value HH.
func decodeXtext(s string) (string, error) {
	if strings.IndexByte(s, '+') < 0 {
		return s, nil
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '+' {
			b.WriteByte(s[i])
			continue
		}
		if i+2 >= len(s) || unhex(s[i+1]) < 0 || unhex(s[i+2]) < 0 {
			return "", &Error{What: whatXtext, Input: s, Msg: `"+" must be followed by two hex digits (xtext, RFC 3461)`}
		}
		b.WriteByte(byte(unhex(s[i+1])<<4 | unhex(s[i+2])))
		i += 2
	}
	return b.String(), nil
}

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// ParseNames returns the names given as text, by configuration or on a
// command line, each with Field [Given]. Unlike the constructors that read
// a certificate, it refuses bad input: the error joins one [*Error] per
// name that does not parse.
func ParseNames(names ...string) (Names, error) {
	var b builder
	for _, s := range names {
		b.add(Given, s)
	}
	if len(b.names.skipped) > 0 {
		errs := make([]error, len(b.names.skipped))
		for i, e := range b.names.skipped {
			errs[i] = e
		}
		return Names{}, errors.Join(errs...)
	}
	return b.names, nil
}

// builder collects names in order, merging duplicates.
type builder struct {
	names Names
	index map[Name]int // built once the list is long
}

func (b *builder) add(field Field, s string) {
	n, err := parseName(s, field)
	if err != nil {
		b.skip(err.(*Error))
		return
	}
	if i, ok := b.find(n); ok {
		b.names.fields[i] |= field
		return
	}
	b.names.list = append(b.names.list, n)
	b.names.fields = append(b.names.fields, field)
	if b.index != nil {
		b.index[n] = len(b.names.list) - 1
	}
}

func (b *builder) find(n Name) (int, bool) {
	const linear = 16
	if b.index == nil && len(b.names.list) > linear {
		b.index = make(map[Name]int, 2*len(b.names.list))
		for i, m := range b.names.list {
			b.index[m] = i
		}
	}
	if b.index != nil {
		i, ok := b.index[n]
		return i, ok
	}
	for i, m := range b.names.list {
		if m == n {
			return i, true
		}
	}
	return 0, false
}

func (b *builder) skip(err *Error) { b.names.skipped = append(b.names.skipped, err) }

// Len returns the number of names.
func (ns Names) Len() int { return len(ns.list) }

// At returns the i-th name, in certificate order.
func (ns Names) At(i int) Name { return ns.list[i] }

// Field returns where the i-th name was found.
func (ns Names) Field(i int) Field { return ns.fields[i] }

// All yields each name with where it was found, in certificate order.
func (ns Names) All() iter.Seq2[Name, Field] {
	return func(yield func(Name, Field) bool) {
		for i, n := range ns.list {
			if !yield(n, ns.fields[i]) {
				return
			}
		}
	}
}

// Skipped returns the names that could not be read, in certificate order,
// each an [*Error] quoting the text and saying where it was found and what
// is wrong. The slice is the caller's.
func (ns Names) Skipped() []*Error {
	return append([]*Error(nil), ns.skipped...)
}

// String returns the names separated by ", ", as a certificate writes
// them.
func (ns Names) String() string {
	var b strings.Builder
	for i, n := range ns.list {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(n.String())
	}
	return b.String()
}

// Match reports whether connector pattern p (a TlsSenderCertificateName)
// matches the certificate, and returns the first name in certificate order
// that it matches (see [Name.MatchedBy]). It does not allocate.
func (ns Names) Match(p domain.Pattern) (Name, bool) {
	for _, n := range ns.list {
		if n.MatchedBy(p) {
			return n, true
		}
	}
	return Name{}, false
}

// MatchHost reports whether the certificate is valid for host, as hostname
// verification decides (see [Name.MatchHost]), and returns the first name
// in certificate order that covers it. Unlike crypto/x509 it considers the
// CN even when there are DNS SANs. It does not allocate.
func (ns Names) MatchHost(host domain.Name) (Name, bool) {
	for _, n := range ns.list {
		if n.MatchHost(host) {
			return n, true
		}
	}
	return Name{}, false
}

// Proves reports whether the certificate proves accepted domain a, and
// returns the first name in certificate order that does (see
// [Name.Proves]). It does not allocate.
func (ns Names) Proves(a domain.AcceptedDomain) (Name, bool) {
	akey := a.Name.Key()
	if akey == "" {
		return Name{}, false
	}
	for _, n := range ns.list {
		// Only a name at or below a can prove it: test that inline first.
		if key := n.base.Key(); len(key) >= len(akey) && key[:len(akey)] == akey && n.Proves(a) {
			return n, true
		}
	}
	return Name{}, false
}

// Proof records that a certificate name proves an accepted domain.
type Proof struct {
	// Domain is the accepted domain proved.
	Domain domain.AcceptedDomain
	// By is the first name, in certificate order, that proves it.
	By Name
}

// String returns "contoso.com by mail.contoso.com".
func (p Proof) String() string { return p.Domain.Name.String() + " by " + p.By.String() }

// Prove returns which of the accepted domains the certificate proves, in the
// order of accepted, each with the name that proves it; nil when it proves
// none of them (MC1226222's first anti-pattern when accepted are the
// domains of the connector's tenant).
func (ns Names) Prove(accepted []domain.AcceptedDomain) []Proof {
	var proofs []Proof
	for _, a := range accepted {
		if n, ok := ns.Proves(a); ok {
			proofs = append(proofs, Proof{Domain: a, By: n})
		}
	}
	return proofs
}
