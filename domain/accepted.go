package domain

import (
	"fmt"
	"strings"
)

// DomainType is the type of an accepted domain. Its zero value is
// Authoritative, the Exchange Online default; the numeric values are those
// Exchange uses when it serialises the enum as a number.
type DomainType uint8

const (
	// Authoritative: the organisation hosts every recipient of the domain
	// and rejects unknown ones (Directory-Based Edge Blocking).
	Authoritative DomainType = 0
	// ExternalRelay: exists only in on-premises Exchange; Exchange Online
	// refuses it.
	ExternalRelay DomainType = 1
	// InternalRelay: known recipients are delivered, unknown ones relayed
	// to another system through an outbound connector.
	InternalRelay DomainType = 2
)

// String returns the Exchange spelling: "Authoritative", "InternalRelay",
// "ExternalRelay".
func (t DomainType) String() string {
	switch t {
	case Authoritative:
		return "Authoritative"
	case ExternalRelay:
		return "ExternalRelay"
	case InternalRelay:
		return "InternalRelay"
	}
	return fmt.Sprintf("DomainType(%d)", uint8(t))
}

// ParseDomainType parses a domain type by name, ignoring case.
func ParseDomainType(s string) (DomainType, error) {
	for _, t := range []DomainType{Authoritative, InternalRelay, ExternalRelay} {
		if strings.EqualFold(s, t.String()) {
			return t, nil
		}
	}
	return 0, &Error{What: "domain type", Input: s, Msg: "want Authoritative or InternalRelay"}
}

// MarshalText implements encoding.TextMarshaler.
func (t DomainType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler, with [ParseDomainType].
func (t *DomainType) UnmarshalText(text []byte) error {
	v, err := ParseDomainType(string(text))
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// AcceptedDomain is a domain a tenant receives mail for
// (Get-AcceptedDomain).
type AcceptedDomain struct {
	// Name is the domain (DomainName).
	Name Name
	// Type is Authoritative or InternalRelay (DomainType).
	Type DomainType
	// MatchSubDomains accepts mail for every subdomain too; Exchange Online
	// allows it only on InternalRelay domains.
	MatchSubDomains bool
}

// Validate checks a with Exchange Online's rules: the name is set and is
// not a public suffix, the type is not ExternalRelay, and MatchSubDomains is
// only set on an InternalRelay domain. The error is an [*Error] whose
// Field names the field at fault.
func (a AcceptedDomain) Validate() error {
	bad := func(field, msg string, sentinel error) error {
		return &Error{What: "accepted domain", Input: a.Name.String(), Msg: msg, Field: field, Err: sentinel}
	}
	switch {
	case !a.Name.IsValid():
		return bad("DomainName", "DomainName is empty", nil)
	case IsPublicSuffix(a.Name):
		return bad("DomainName", "a public suffix cannot be an accepted domain", ErrPublicSuffix)
	case a.Type == ExternalRelay:
		return bad("DomainType", "DomainType ExternalRelay exists only in on-premises Exchange", nil)
	case a.Type != Authoritative && a.Type != InternalRelay:
		return bad("DomainType", "unknown DomainType "+a.Type.String(), nil)
	case a.MatchSubDomains && a.Type != InternalRelay:
		return bad("MatchSubDomains", "MatchSubDomains needs DomainType InternalRelay", nil)
	}
	return nil
}

// Covers reports whether mail for n is accepted by a: n is a's name, or a
// matches subdomains and n lies below it.
func (a AcceptedDomain) Covers(n Name) bool {
	return n.IsValid() && (n == a.Name || a.MatchSubDomains && n.IsSubdomainOf(a.Name))
}

// Pattern returns the pattern equivalent to a: exact, or a wildcard when a
// matches subdomains.
func (a AcceptedDomain) Pattern() Pattern {
	if a.MatchSubDomains {
		return WildcardPattern(a.Name)
	}
	return ExactPattern(a.Name)
}
