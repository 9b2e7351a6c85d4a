package connector

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"

	"github.com/mailflow-go/mailflow/domain"
)

// ConnectorType is a connector's ConnectorType. The numbers are Exchange's
// (TenantConnectorType); the zero value is unset, which validation refuses.
type ConnectorType uint8

const (
	// OnPremises connectors serve the organisation's own servers: outbound
	// they may route all accepted domains, inbound they grant relay and
	// attribution rights.
	OnPremises ConnectorType = 1
	// Partner connectors serve other organisations and services.
	Partner ConnectorType = 2
)

// String returns "OnPremises" or "Partner"; "" for the zero value.
func (t ConnectorType) String() string {
	switch t {
	case 0:
		return ""
	case OnPremises:
		return "OnPremises"
	case Partner:
		return "Partner"
	}
	return "ConnectorType(" + strconv.Itoa(int(t)) + ")"
}

// ParseConnectorType parses "OnPremises" or "Partner", ignoring case, or
// the numbers Exchange uses ("1", "2"). The empty string gives the zero
// value (unset).
func ParseConnectorType(s string) (ConnectorType, error) {
	v, err := parseEnum(s, []ConnectorType{OnPremises, Partner})
	if err != nil {
		return 0, &ParseError{What: "ConnectorType", Input: s, Msg: "want OnPremises or Partner"}
	}
	return v, nil
}

// MarshalText implements encoding.TextMarshaler.
func (t ConnectorType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with [ParseConnectorType].
func (t *ConnectorType) UnmarshalText(b []byte) error {
	return unmarshalEnum(t, string(b), ParseConnectorType)
}

// TlsAuthLevel is an outbound connector's TlsSettings. The numbers are
// Exchange's; the zero value is unset ($null: TLS is opportunistic and no
// certificate is checked).
type TlsAuthLevel uint8

const (
	// EncryptionOnly requires TLS but checks no certificate.
	EncryptionOnly TlsAuthLevel = 1
	// CertificateValidation requires TLS and a certificate whose chain
	// validates and is not revoked.
	CertificateValidation TlsAuthLevel = 2
	// DomainValidation is CertificateValidation plus a certificate name
	// matching the connector's TlsDomain.
	DomainValidation TlsAuthLevel = 4
)

// String returns the Exchange name; "" for the zero value.
func (l TlsAuthLevel) String() string {
	switch l {
	case 0:
		return ""
	case EncryptionOnly:
		return "EncryptionOnly"
	case CertificateValidation:
		return "CertificateValidation"
	case DomainValidation:
		return "DomainValidation"
	}
	return "TlsAuthLevel(" + strconv.Itoa(int(l)) + ")"
}

// ParseTlsAuthLevel parses a TlsSettings value by name, ignoring case, or by
// Exchange's number ("1", "2", "4"). The empty string gives the zero value.
func ParseTlsAuthLevel(s string) (TlsAuthLevel, error) {
	v, err := parseEnum(s, []TlsAuthLevel{EncryptionOnly, CertificateValidation, DomainValidation})
	if err != nil {
		return 0, &ParseError{What: "TlsSettings", Input: s, Msg: "want EncryptionOnly, CertificateValidation or DomainValidation"}
	}
	return v, nil
}

// MarshalText implements encoding.TextMarshaler.
func (l TlsAuthLevel) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with [ParseTlsAuthLevel].
func (l *TlsAuthLevel) UnmarshalText(b []byte) error {
	return unmarshalEnum(l, string(b), ParseTlsAuthLevel)
}

// ConnectorSource records how a connector was created; its String is the
// Exchange name (Default, Migrated, HybridWizard, AdminUI). Only the first
// three have documented numbers (0, 1, 2); AdminUI is seen in exported data
// without one, and this package gives it 4. The zero value is Default.
type ConnectorSource uint8

const (
	// SourceDefault (Default): created by hand, with the cmdlets.
	SourceDefault ConnectorSource = 0
	// SourceMigrated (Migrated): carried over from FOPE.
	SourceMigrated ConnectorSource = 1
	// SourceHybridWizard (HybridWizard): created by the Hybrid
	// Configuration Wizard.
	SourceHybridWizard ConnectorSource = 2
	// SourceAdminUI (AdminUI): created in the admin center (undocumented,
	// seen live).
	SourceAdminUI ConnectorSource = 4
)

// String returns the Exchange name.
func (s ConnectorSource) String() string {
	switch s {
	case SourceDefault:
		return "Default"
	case SourceMigrated:
		return "Migrated"
	case SourceHybridWizard:
		return "HybridWizard"
	case SourceAdminUI:
		return "AdminUI"
	}
	return "ConnectorSource(" + strconv.Itoa(int(s)) + ")"
}

// ParseConnectorSource parses a ConnectorSource by name, ignoring case, or
// by documented number ("0", "1", "2"). The empty string gives Default.
func ParseConnectorSource(s string) (ConnectorSource, error) {
	if s == "0" || strings.EqualFold(s, "Default") {
		return SourceDefault, nil
	}
	if s == strconv.Itoa(int(SourceAdminUI)) {
		return 0, &ParseError{What: "ConnectorSource", Input: s, Msg: "AdminUI has no documented number"}
	}
	v, err := parseEnum(s, []ConnectorSource{SourceMigrated, SourceHybridWizard, SourceAdminUI})
	if err != nil {
		return 0, &ParseError{What: "ConnectorSource", Input: s, Msg: "want Default, Migrated, HybridWizard or AdminUI"}
	}
	return v, nil
}

// MarshalText implements encoding.TextMarshaler.
func (s ConnectorSource) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with [ParseConnectorSource].
func (s *ConnectorSource) UnmarshalText(b []byte) error {
	return unmarshalEnum(s, string(b), ParseConnectorSource)
}

func (s ConnectorSource) valid() bool {
	return s == SourceDefault || s == SourceMigrated || s == SourceHybridWizard || s == SourceAdminUI
}

var errBadEnum = errors.New("bad enum")

// parseEnum parses s as one of values, by name (ignoring case) or number;
// "" gives the zero value.
func parseEnum[E interface {
	~uint8
	String() string
}](s string, values []E) (E, error) {
	if s == "" {
		return 0, nil
	}
	for _, v := range values {
		if strings.EqualFold(s, v.String()) || s == strconv.Itoa(int(v)) {
			return v, nil
		}
	}
	return 0, errBadEnum
}

func unmarshalEnum[E any](p *E, s string, parse func(string) (E, error)) error {
	v, err := parse(s)
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// SmartHost is one entry of an outbound connector's SmartHosts: a host name
// (FQDN), an IP address, or a CIDR range of addresses. The zero SmartHost is
// invalid. SmartHosts are small values, comparable with ==.
type SmartHost struct {
	name   domain.Name
	prefix netip.Prefix // the address of an IP smart host, as a full-length prefix
	isAddr bool
}

// ParseSmartHost parses "mail.contoso.com", "192.0.2.1", "2001:db8::1" or
// "192.168.0.1/25" (the form of Exchange's own example; the range is kept
// as written, not masked). A name whose last label is all digits is
// refused, as an IP address that does not parse.
func ParseSmartHost(s string) (SmartHost, error) {
	bad := func(msg string) (SmartHost, error) {
		return SmartHost{}, &ParseError{What: "smart host", Input: s, Msg: msg}
	}
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return bad("not a CIDR range")
		}
		return SmartHost{prefix: p}, nil
	}
	if a, err := netip.ParseAddr(s); err == nil {
		if a.Zone() != "" {
			return bad("IPv6 zone not allowed")
		}
		return SmartHost{prefix: netip.PrefixFrom(a, a.BitLen()), isAddr: true}, nil
	}
	if strings.Contains(s, ":") {
		return bad("not an IP address")
	}
	n, err := domain.Parse(s)
	if err != nil {
		de := err.(*domain.Error)
		msg := "not an IP address, CIDR range or host name: " + de.Msg
		if de.At != "" {
			msg += " (at " + strconv.Quote(de.At) + ")"
		}
		return bad(msg)
	}
	last := n.String()[strings.LastIndexByte(n.String(), '.')+1:]
	if strings.Trim(last, "0123456789") == "" {
		return bad("not an IP address")
	}
	return SmartHost{name: n}, nil
}

// MustParseSmartHost is like [ParseSmartHost] but panics on error; for
// tests and hard-coded values.
func MustParseSmartHost(s string) SmartHost {
	h, err := ParseSmartHost(s)
	if err != nil {
		panic(err)
	}
	return h
}

// SmartHostName returns the smart host for host name n (zero when n is).
func SmartHostName(n domain.Name) SmartHost { return SmartHost{name: n} }

// SmartHostAddr returns the smart host for address a (zero when a is
// invalid or has a zone).
func SmartHostAddr(a netip.Addr) SmartHost {
	if !a.IsValid() || a.Zone() != "" {
		return SmartHost{}
	}
	return SmartHost{prefix: netip.PrefixFrom(a, a.BitLen()), isAddr: true}
}

// SmartHostPrefix returns the smart host for the range p (zero when p is
// invalid).
func SmartHostPrefix(p netip.Prefix) SmartHost {
	if !p.IsValid() {
		return SmartHost{}
	}
	return SmartHost{prefix: p}
}

// IsValid reports whether h holds a name, an address or a range.
func (h SmartHost) IsValid() bool { return h.name.IsValid() || h.prefix.IsValid() }

// Name returns the host name of a name smart host.
func (h SmartHost) Name() (domain.Name, bool) { return h.name, h.name.IsValid() }

// Addr returns the address of an IP smart host.
func (h SmartHost) Addr() (netip.Addr, bool) {
	if !h.isAddr {
		return netip.Addr{}, false
	}
	return h.prefix.Addr(), true
}

// Prefix returns the range of a CIDR smart host.
func (h SmartHost) Prefix() (netip.Prefix, bool) {
	if h.isAddr || !h.prefix.IsValid() {
		return netip.Prefix{}, false
	}
	return h.prefix, true
}

// ip returns the address or range start, for IP and CIDR smart hosts.
func (h SmartHost) ip() (netip.Addr, bool) {
	return h.prefix.Addr(), h.prefix.IsValid()
}

// String returns the smart host as ParseSmartHost reads it; "" for the zero
// SmartHost.
func (h SmartHost) String() string {
	switch {
	case h.name.IsValid():
		return h.name.String()
	case h.isAddr:
		return h.prefix.Addr().String()
	case h.prefix.IsValid():
		return h.prefix.String()
	}
	return ""
}

// MarshalText implements encoding.TextMarshaler.
func (h SmartHost) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with [ParseSmartHost].
func (h *SmartHost) UnmarshalText(b []byte) error {
	v, err := ParseSmartHost(string(b))
	if err != nil {
		return err
	}
	*h = v
	return nil
}

// IPRange is an inclusive range of addresses of one family, as EFSkipIPs
// takes them: a single address, a CIDR range, or "first-last". The zero
// IPRange is invalid.
type IPRange struct {
	From, To netip.Addr
}

// ParseIPRange parses "192.0.2.1", "192.0.2.0/24" or "192.0.2.1-192.0.2.9"
// (IPv6 too). The two ends of a range must be of one family and in order.
func ParseIPRange(s string) (IPRange, error) {
	bad := func(msg string) (IPRange, error) {
		return IPRange{}, &ParseError{What: "IP range", Input: s, Msg: msg}
	}
	if from, to, ok := strings.Cut(s, "-"); ok {
		a, err1 := netip.ParseAddr(strings.TrimSpace(from))
		b, err2 := netip.ParseAddr(strings.TrimSpace(to))
		switch {
		case err1 != nil || err2 != nil || a.Zone() != "" || b.Zone() != "":
			return bad("want first-last with two IP addresses")
		case a.Is4() != b.Is4():
			return bad("the two ends are of different families")
		case b.Less(a):
			return bad("the range ends before it starts")
		}
		return IPRange{From: a, To: b}, nil
	}
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return bad("not a CIDR range")
		}
		return IPRangeFromPrefix(p), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return bad("not an IP address, CIDR range or first-last range")
	}
	return IPRange{From: a, To: a}, nil
}

// IPRangeFromPrefix returns the addresses of p (masked).
func IPRangeFromPrefix(p netip.Prefix) IPRange {
	if !p.IsValid() {
		return IPRange{}
	}
	p = p.Masked()
	return IPRange{From: p.Addr(), To: lastAddr(p)}
}

// lastAddr returns the highest address of p.
func lastAddr(p netip.Prefix) netip.Addr {
	a := p.Addr()
	if a.Is4() {
		b := a.As4()
		for i := p.Bits(); i < 32; i++ {
			b[i/8] |= 0x80 >> (i % 8)
		}
		return netip.AddrFrom4(b)
	}
	b := a.As16()
	for i := p.Bits(); i < 128; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	return netip.AddrFrom16(b)
}

// IsValid reports whether r holds two addresses of one family, in order.
func (r IPRange) IsValid() bool {
	return r.From.IsValid() && r.To.IsValid() && r.From.Is4() == r.To.Is4() &&
		r.From.Zone() == "" && r.To.Zone() == "" && !r.To.Less(r.From)
}

// Contains reports whether a lies in r.
func (r IPRange) Contains(a netip.Addr) bool {
	return r.IsValid() && a.Is4() == r.From.Is4() && !a.Less(r.From) && !r.To.Less(a)
}

// Overlaps reports whether r and p share an address.
func (r IPRange) Overlaps(p netip.Prefix) bool {
	q := IPRangeFromPrefix(p)
	return r.IsValid() && q.IsValid() && r.From.Is4() == q.From.Is4() &&
		!r.To.Less(q.From) && !q.To.Less(r.From)
}

// Prefix returns r as a CIDR range when it is exactly one.
func (r IPRange) Prefix() (netip.Prefix, bool) {
	if !r.IsValid() {
		return netip.Prefix{}, false
	}
	for bits := 0; bits <= r.From.BitLen(); bits++ {
		p, err := r.From.Prefix(bits)
		if err == nil && p.Addr() == r.From && lastAddr(p) == r.To {
			return p, true
		}
	}
	return netip.Prefix{}, false
}

// String returns "192.0.2.1" for a single address, the CIDR form for a range
// that is exactly a prefix, and "first-last" otherwise; "" for the zero
// IPRange.
func (r IPRange) String() string {
	switch {
	case !r.IsValid():
		return ""
	case r.From == r.To:
		return r.From.String()
	}
	if p, ok := r.Prefix(); ok {
		return p.String()
	}
	return r.From.String() + "-" + r.To.String()
}

// MarshalText implements encoding.TextMarshaler.
func (r IPRange) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with [ParseIPRange].
func (r *IPRange) UnmarshalText(b []byte) error {
	v, err := ParseIPRange(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}

// ParseSenderIPAddress parses one SenderIPAddresses entry: a single address
// (which becomes a /32 or /128) or a CIDR range. It accepts what a general
// MTA needs, IPv6 and ranges wider than /24 included; see
// [Inbound.PortabilityIssues] for what Exchange Online refuses.
func ParseSenderIPAddress(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, &ParseError{What: "sender IP address", Input: s, Msg: "not a CIDR range"}
		}
		return p, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, &ParseError{What: "sender IP address", Input: s, Msg: "not an IP address or CIDR range"}
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}
