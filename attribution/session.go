package attribution

import (
	"crypto/tls"
	"errors"
	"net/netip"

	"github.com/mailflow-go/mailflow/certmatch"
	"github.com/mailflow-go/mailflow/domain"
)

// Address is an envelope address parsed once, so that attributing a
// session does not parse (or allocate) again.
type Address struct {
	// Text is the address as given.
	Text string
	// Mailbox is the parsed address; its Domain is the zero Name when Err
	// is set.
	Mailbox domain.Mailbox
	// Err is the parse error, if any; errors.Is(Err, domain.ErrNullPath)
	// for the null sender "<>".
	Err error
}

// ParseAddress parses an envelope address with [domain.ParseMailbox]. It
// never fails: a bad address is kept with its error.
func ParseAddress(s string) Address {
	m, err := domain.ParseMailbox(s)
	return Address{Text: s, Mailbox: m, Err: err}
}

// ParseAddresses parses each address with [ParseAddress].
func ParseAddresses(ss ...string) []Address {
	out := make([]Address, len(ss))
	for i, s := range ss {
		out[i] = ParseAddress(s)
	}
	return out
}

// IsNull reports whether a is the null reverse-path "<>".
func (a Address) IsNull() bool { return errors.Is(a.Err, domain.ErrNullPath) }

// IsPostmaster reports whether a is "postmaster" (or "<Postmaster>", any
// case) without a domain: the one address RFC 5321 allows without one,
// addressed to the receiving system's postmaster.
func (a Address) IsPostmaster() bool { return errors.Is(a.Err, domain.ErrNoDomain) }

// Domain returns the address's domain, the zero Name if it has none.
func (a Address) Domain() domain.Name { return a.Mailbox.Domain }

// Session is what an SMTP server knows about a message when it decides on
// its recipients.
type Session struct {
	// ClientIP is the address of the connecting client.
	ClientIP netip.Addr
	// Port is the local port the client connected to: 25, or 587 for
	// submission.
	Port int
	// TLSVersion is the negotiated TLS version (tls.VersionTLS12 …), 0 for
	// a session without TLS.
	TLSVersion uint16
	// Certificate holds the names of the client certificate, only when
	// the chain was verified (see certmatch.FromConnectionState); the zero
	// Names when none was presented.
	Certificate certmatch.Names
	// AuthUser is the authenticated SMTP AUTH identity, a mailbox
	// address; the zero Address when the client did not authenticate.
	AuthUser Address
	// MailFrom is the envelope sender.
	MailFrom Address
	// RcptTo holds the envelope recipients.
	RcptTo []Address
}

// TLS reports whether the session runs over TLS.
func (s *Session) TLS() bool { return s.TLSVersion != 0 }

// TLSVersionName returns "none", "1.0" … "1.3".
func TLSVersionName(v uint16) string {
	switch v {
	case 0:
		return "none"
	case tls.VersionTLS10:
		return "1.0"
	case tls.VersionTLS11:
		return "1.1"
	case tls.VersionTLS12:
		return "1.2"
	case tls.VersionTLS13:
		return "1.3"
	}
	return tls.VersionName(v)
}

// ParseTLSVersion parses "none", "1.0", "1.1", "1.2" or "1.3".
func ParseTLSVersion(s string) (uint16, error) {
	for _, v := range []uint16{0, tls.VersionTLS10, tls.VersionTLS11, tls.VersionTLS12, tls.VersionTLS13} {
		if s == TLSVersionName(v) {
			return v, nil
		}
	}
	return 0, errors.New("attribution: bad TLS version " + `"` + s + `"` + ": want none, 1.0, 1.1, 1.2 or 1.3")
}
