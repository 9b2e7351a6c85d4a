package certmatch

import (
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"sync"
)

// Fingerprint is a SHA-256 digest identifying a certificate (of its DER
// encoding, Postfix's ccert_fingerprint) or its key (of its DER
// SubjectPublicKeyInfo, ccert_pubkey_fingerprint). The zero Fingerprint
// identifies nothing. Fingerprints are comparable and can be map keys.
type Fingerprint [sha256.Size]byte

// CertificateFingerprint returns the SHA-256 of cert's DER encoding: what
// Postfix sends as ccert_fingerprint (with smtpd_tls_fingerprint_digest =
// sha256) and `openssl x509 -fingerprint -sha256` prints.
func CertificateFingerprint(cert *x509.Certificate) Fingerprint {
	return sha256.Sum256(cert.Raw)
}

// PublicKeyFingerprint returns the SHA-256 of cert's DER
// SubjectPublicKeyInfo: what Postfix sends as ccert_pubkey_fingerprint. It
// survives a renewal that keeps the key.
func PublicKeyFingerprint(cert *x509.Certificate) Fingerprint {
	return sha256.Sum256(cert.RawSubjectPublicKeyInfo)
}

// ParseFingerprint reads a SHA-256 fingerprint written as Postfix and
// OpenSSL write it, 32 colon-separated pairs of hex digits
// ("AA:8F:E7:…"), or as 64 hex digits without separators; either case.
// The error is an [*Error].
func ParseFingerprint(s string) (Fingerprint, error) {
	f, msg := parseFingerprint(s)
	if msg != "" {
		return Fingerprint{}, &Error{What: whatFingerprint, Input: s, Msg: msg}
	}
	return f, nil
}

// parseFingerprint does not allocate; it returns a message on error.
func parseFingerprint(s string) (f Fingerprint, msg string) {
	var step int
	switch len(s) {
	case 2 * len(f):
		step = 2
	case 3*len(f) - 1:
		step = 3
	default:
		return f, "want 32 colon-separated pairs of hex digits or 64 hex digits (SHA-256)"
	}
	for i := range f {
		j := i * step
		if step == 3 && i > 0 && s[j-1] != ':' {
			return Fingerprint{}, "hex pairs must be separated by ':'"
		}
		hi, lo := unhex(s[j]), unhex(s[j+1])
		if hi < 0 || lo < 0 {
			return Fingerprint{}, "not a hex digit"
		}
		f[i] = byte(hi<<4 | lo)
	}
	return f, ""
}

// String returns f as Postfix writes it: upper-case hex pairs separated by
// colons.
func (f Fingerprint) String() string {
	const digits = "0123456789ABCDEF"
	b := make([]byte, 0, 3*len(f)-1)
	for i, c := range f {
		if i > 0 {
			b = append(b, ':')
		}
		b = append(b, digits[c>>4], digits[c&0xf])
	}
	return string(b)
}

// MarshalText implements encoding.TextMarshaler.
func (f Fingerprint) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with
// [ParseFingerprint].
func (f *Fingerprint) UnmarshalText(text []byte) error {
	g, err := ParseFingerprint(string(text))
	if err != nil {
		return err
	}
	*f = g
	return nil
}

// Pins maps pinned certificate (or public key) fingerprints to names, for an
// MTA that hands over a fingerprint but not the certificate: Postfix sends
// ccert_fingerprint with every client certificate, but its CN
// (ccert_subject) only for a verified chain, and never the SANs.
//
// A fingerprint is sent for unverified certificates too, so a pin is the
// trust decision: a TLS handshake proves the client holds the key of the
// certificate it presented, and the pin says whose certificate that is.
// Look up certificate fingerprints in Pins built from certificate
// fingerprints, and public-key fingerprints in Pins built from those.
//
// The zero Pins is empty and ready to use. Add must not run concurrently
// with anything else; once built, Pins is safe for concurrent lookups. Use
// it by pointer: it must not be copied after first use.
type Pins struct {
	_ [0]sync.Mutex // go vet: no copying
	m map[Fingerprint]Names
}

// Add pins fingerprint (in a form [ParseFingerprint] reads) to names (as
// [ParseNames] reads them). A fingerprint pinned twice, or with no name, is
// an error; nothing is added then.
func (p *Pins) Add(fingerprint string, names ...string) error {
	f, err := ParseFingerprint(fingerprint)
	if err != nil {
		return err
	}
	ns, err := ParseNames(names...)
	if err != nil {
		return err
	}
	return p.AddNames(f, ns)
}

// AddNames pins f to ns. A fingerprint pinned twice, or with no name, is an
// error.
func (p *Pins) AddNames(f Fingerprint, ns Names) error {
	switch {
	case f == Fingerprint{}:
		return &Error{What: whatPin, Input: f.String(), Msg: "zero fingerprint"}
	case ns.Len() == 0:
		return &Error{What: whatPin, Input: f.String(), Msg: "no names to pin"}
	case p.m[f].Len() > 0:
		return &Error{What: whatPin, Input: f.String(), Msg: "fingerprint pinned twice"}
	}
	if p.m == nil {
		p.m = make(map[Fingerprint]Names)
	}
	p.m[f] = ns
	return nil
}

// AddCertificate pins cert's fingerprint ([CertificateFingerprint]) to its
// names ([FromCertificate]) and returns the fingerprint. It is an error when
// the certificate has no usable name or is pinned already.
func (p *Pins) AddCertificate(cert *x509.Certificate) (Fingerprint, error) {
	f := CertificateFingerprint(cert)
	ns := FromCertificate(cert)
	if ns.Len() == 0 {
		errs := []error{&Error{What: whatPin, Input: f.String(), Msg: "the certificate has no usable DNS name"}}
		for _, e := range ns.skipped {
			errs = append(errs, e)
		}
		return f, errors.Join(errs...)
	}
	return f, p.AddNames(f, ns)
}

// Lookup returns the names pinned to fingerprint, written as
// [ParseFingerprint] reads it (Postfix's ccert_fingerprint as sent). A
// malformed fingerprint is reported as not found. It does not allocate.
func (p *Pins) Lookup(fingerprint string) (Names, bool) {
	f, msg := parseFingerprint(fingerprint)
	if msg != "" {
		return Names{}, false
	}
	return p.LookupFingerprint(f)
}

// LookupFingerprint returns the names pinned to f.
func (p *Pins) LookupFingerprint(f Fingerprint) (Names, bool) {
	ns, ok := p.m[f]
	return ns, ok
}

// Len returns the number of pinned fingerprints.
func (p *Pins) Len() int { return len(p.m) }

// PinSet is the two kinds of pins an MTA can look up: certificate
// fingerprints (Postfix's ccert_fingerprint, the SHA-256 of the DER
// certificate) and public-key fingerprints (ccert_pubkey_fingerprint, the
// SHA-256 of the DER SubjectPublicKeyInfo, which survives a renewal with
// the same key). The config package loads one from a pins file
// (config.LoadPins). Like Pins, it is built, then only read.
type PinSet struct {
	Certificates Pins
	PublicKeys   Pins
}

// Len returns the number of pinned fingerprints.
func (p *PinSet) Len() int { return p.Certificates.Len() + p.PublicKeys.Len() }
