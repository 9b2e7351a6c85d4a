package connector

import (
	"net/netip"
	"slices"
	"strconv"

	"github.com/mailflow-go/mailflow/domain"
)

// MinSenderPrefixLen is the shortest IPv4 prefix Exchange Online accepts in
// SenderIPAddresses.
const MinSenderPrefixLen = 24

// Inbound is an inbound connector: how the service recognises mail from
// another system (Get-InboundConnector). Field names and meanings are the
// Exchange Online parameters'.
//
// As with [Outbound], some Go zero values differ from Exchange's defaults: a
// zero Inbound is disabled; [NewInbound] sets the defaults. The attribution
// package indexes inbound connectors; this package defines them and their
// validation.
type Inbound struct {
	// Name identifies the connector; at most 64 characters.
	Name string
	// Enabled: a disabled connector matches nothing. Exchange's default is
	// true.
	Enabled bool
	// ConnectorType is OnPremises (the organisation's own servers: relay
	// and attribution rights) or Partner (anyone else).
	ConnectorType ConnectorType
	// ConnectorSource records how the connector was made; informational.
	ConnectorSource ConnectorSource
	// SenderDomains are the sender domains the connector applies to
	// (contoso.com, *.contoso.com or *). Required.
	SenderDomains []domain.Pattern
	// SenderIPAddresses identify the sending servers by address; a single
	// address is a /32 (or /128) prefix. See [ParseSenderIPAddress].
	SenderIPAddresses []netip.Prefix
	// TlsSenderCertificateName identifies the sending servers by
	// certificate: a name (or *.domain: the domain and every subdomain) one
	// of the certificate's names must match. Zero is unset.
	TlsSenderCertificateName domain.Pattern
	// RequireTls rejects mail not sent over TLS.
	RequireTls bool
	// RestrictDomainsToCertificate (Partner) rejects mail from
	// SenderDomains whose certificate does not match
	// TlsSenderCertificateName.
	RestrictDomainsToCertificate bool
	// RestrictDomainsToIPAddresses (Partner) rejects mail from
	// SenderDomains sent from outside SenderIPAddresses.
	RestrictDomainsToIPAddresses bool
	// AssociatedAcceptedDomains limits the connector to these accepted
	// domains of the organisation; empty means all.
	AssociatedAcceptedDomains []domain.Name
	// TreatMessagesAsInternal treats mail from the organisation's domains as
	// internal (non-Exchange on-premises servers). OnPremises only.
	TreatMessagesAsInternal bool
	// CloudServicesMailEnabled restores Exchange's internal organisation
	// headers from a hybrid on-premises organisation. OnPremises only.
	CloudServicesMailEnabled bool
	// TrustedOrganizations are other Microsoft 365 organisations trusted as
	// sources (tenant-to-tenant mail), as Exchange stores them.
	TrustedOrganizations []string
	// EFSkipLastIP makes Enhanced Filtering skip only the last hop; when
	// false it skips EFSkipIPs (and is off when there are none).
	EFSkipLastIP bool
	// EFSkipIPs are the addresses Enhanced Filtering skips.
	EFSkipIPs []IPRange
	// EFUsers are the recipients Enhanced Filtering applies to; empty means
	// all.
	EFUsers []string
	// Stored marks a connector read from what the service stores (an
	// export of Get-InboundConnector), not written by hand: rules of kind
	// [KindWrite] it breaks do not refuse it, and a linter reports them
	// instead.
	Stored bool `json:",omitempty"`
}

// NewInbound returns an Inbound named name with New-InboundConnector's
// defaults: Enabled, ConnectorType Partner (the stored default in
// Exchange's schema), SenderDomains *. RequireTls is left false: the
// documentation says true, exported live connectors show false.
func NewInbound(name string) Inbound {
	return Inbound{Name: name, Enabled: true, ConnectorType: Partner, SenderDomains: []domain.Pattern{domain.AnyPattern()}}
}

// Clone returns a copy of c that shares no slice with it.
func (c Inbound) Clone() Inbound {
	c.SenderDomains = slices.Clone(c.SenderDomains)
	c.SenderIPAddresses = slices.Clone(c.SenderIPAddresses)
	c.AssociatedAcceptedDomains = slices.Clone(c.AssociatedAcceptedDomains)
	c.TrustedOrganizations = slices.Clone(c.TrustedOrganizations)
	c.EFSkipIPs = slices.Clone(c.EFSkipIPs)
	c.EFUsers = slices.Clone(c.EFUsers)
	return c
}

// rfc1918 are the private ranges Enhanced Filtering skips by itself and
// refuses in EFSkipIPs.
var rfc1918 = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
}

// Validate checks c with Exchange Online's rules and returns every broken
// one at once, as an [ErrorList] of [*ValidationError]s; nil when c is
// valid:
//
//	Name                          set, at most 64 characters
//	ConnectorType                 OnPremises or Partner
//	SenderDomains                 required; valid patterns, no wildcard over a public suffix, no repeats
//	SenderIPAddresses             valid prefixes, no repeats
//	OnPremises                    needs SenderIPAddresses or TlsSenderCertificateName
//	TlsSenderCertificateName      needs RequireTls; no wildcard over a public suffix
//	RestrictDomainsToIPAddresses  needs SenderIPAddresses; not with RestrictDomainsToCertificate
//	RestrictDomainsToCertificate  needs TlsSenderCertificateName
//	CloudServicesMailEnabled      OnPremises only
//	TreatMessagesAsInternal       OnPremises only; not with CloudServicesMailEnabled
//	AssociatedAcceptedDomains     valid names, no repeats
//	EFSkipIPs                     valid ranges, none in RFC 1918 space
//	EFUsers                       valid addresses
//
// IPv6 and IPv4 prefixes shorter than /24 in SenderIPAddresses are not
// errors here: see [Inbound.PortabilityIssues]. Whether the associated
// domains are accepted domains needs the tenant, and is not checked.
func (c Inbound) Validate() error {
	p := &problems{name: c.Name}
	checkName(p, c.Name)
	checkType(p, c.ConnectorType)
	if !c.ConnectorSource.valid() {
		p.structural("ConnectorSource", "unknown value "+c.ConnectorSource.String())
	}
	if len(c.SenderDomains) == 0 {
		p.add("SenderDomains", "empty: list the sender domains, or * for all")
	}
	checkPatterns(p, "SenderDomains", c.SenderDomains)

	ips := dups[netip.Prefix]{list: c.SenderIPAddresses}
	for i, ip := range c.SenderIPAddresses {
		f := indexed("SenderIPAddresses", i)
		if !ip.IsValid() {
			p.structural(f, "empty address")
			continue
		}
		if j, dup := ips.prev(i); dup {
			p.add(f, ip.String()+" is already listed at "+indexed("SenderIPAddresses", j))
		}
	}

	hasIP, hasCert := len(c.SenderIPAddresses) > 0, c.TlsSenderCertificateName.IsValid()
	if c.ConnectorType == OnPremises && !hasIP && !hasCert {
		p.add("SenderIPAddresses", "an OnPremises connector must identify its senders: set SenderIPAddresses or TlsSenderCertificateName")
	}
	if hasCert && !c.RequireTls {
		p.add("RequireTls", "false, but TlsSenderCertificateName is set: a certificate needs TLS")
	}
	if k := c.TlsSenderCertificateName; k.Kind() == domain.Wildcard && domain.IsPublicSuffix(k.Base()) {
		p.add("TlsSenderCertificateName", publicSuffixMsg(k))
	}
	if c.RestrictDomainsToIPAddresses {
		if !hasIP {
			p.add("RestrictDomainsToIPAddresses", "true, but SenderIPAddresses is empty")
		}
		if c.RestrictDomainsToCertificate {
			p.add("RestrictDomainsToIPAddresses", "cannot be combined with RestrictDomainsToCertificate: use two connectors")
		}
	}
	if c.RestrictDomainsToCertificate && !hasCert {
		p.add("RestrictDomainsToCertificate", "true, but TlsSenderCertificateName is empty")
	}
	if c.ConnectorType == Partner {
		if c.CloudServicesMailEnabled {
			p.add("CloudServicesMailEnabled", "needs ConnectorType OnPremises")
		}
		if c.TreatMessagesAsInternal {
			p.add("TreatMessagesAsInternal", "needs ConnectorType OnPremises")
		}
	}
	if c.TreatMessagesAsInternal && c.CloudServicesMailEnabled {
		p.add("TreatMessagesAsInternal", "cannot be combined with CloudServicesMailEnabled")
	}

	assoc := dups[domain.Name]{list: c.AssociatedAcceptedDomains}
	for i, n := range c.AssociatedAcceptedDomains {
		f := indexed("AssociatedAcceptedDomains", i)
		if !n.IsValid() {
			p.structural(f, "empty domain")
			continue
		}
		if j, dup := assoc.prev(i); dup {
			p.add(f, n.String()+" is already listed at "+indexed("AssociatedAcceptedDomains", j))
		}
	}
	for i, r := range c.EFSkipIPs {
		f := indexed("EFSkipIPs", i)
		if !r.IsValid() {
			p.structural(f, "empty or malformed range")
			continue
		}
		for _, priv := range rfc1918 {
			if r.Overlaps(priv) {
				p.add(f, r.String()+" overlaps private range "+priv.String()+", which Enhanced Filtering skips by itself")
				break
			}
		}
	}
	for i, u := range c.EFUsers {
		if _, err := domain.ParseMailbox(u); err != nil {
			p.add(indexed("EFUsers", i), "not an address: "+err.Error())
		}
	}
	return p.errorList().err()
}

// PortabilityIssues lists what c uses that a general MTA may need but
// Exchange Online refuses in SenderIPAddresses: IPv6, and IPv4 prefixes
// shorter than /24. They are not validation errors; a linter reports them
// as not portable to Exchange Online.
func (c Inbound) PortabilityIssues() []*ValidationError {
	p := &problems{name: c.Name}
	for i, ip := range c.SenderIPAddresses {
		f := indexed("SenderIPAddresses", i)
		switch {
		case !ip.IsValid():
		case !ip.Addr().Is4():
			p.add(f, ip.String()+" is IPv6: Exchange Online takes IPv4 only")
		case ip.Bits() < MinSenderPrefixLen:
			p.add(f, ip.String()+" is wider than /"+strconv.Itoa(MinSenderPrefixLen)+": Exchange Online takes /24 to /32 only")
		}
	}
	return p.list
}
