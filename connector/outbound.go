package connector

import (
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/mailflow-go/mailflow/domain"
)

// MaxNameLen is the longest connector Name Exchange Online accepts, in
// characters.
const MaxNameLen = 64

// Outbound is an outbound connector: a route from the service to another
// mail system (Get-OutboundConnector). Field names and meanings are the
// Exchange Online parameters'.
//
// The zero values of the Go fields are not always Exchange's defaults: a
// zero Outbound is disabled and has UseMXRecord false. [NewOutbound] returns
// one with Exchange's defaults. An Outbound is plain data; a [Table] keeps
// its own copy.
type Outbound struct {
	// Name identifies the connector; at most 64 characters, unique within a
	// table (compared ignoring case).
	Name string
	// Enabled: a disabled connector is never selected. Exchange's default
	// is true.
	Enabled bool
	// ConnectorType is OnPremises (the organisation's own servers) or
	// Partner (anyone else).
	ConnectorType ConnectorType
	// ConnectorSource records how the connector was made; informational.
	ConnectorSource ConnectorSource
	// RecipientDomains are the recipient domains the connector carries:
	// contoso.com (that domain), *.contoso.com (it and every subdomain) or
	// * (every domain).
	RecipientDomains []domain.Pattern
	// AllAcceptedDomains makes the connector carry mail for every accepted
	// domain of the organisation. OnPremises only.
	AllAcceptedDomains bool
	// IsTransportRuleScoped makes the connector usable only by a mail flow
	// rule that names it (RouteMessageOutboundConnector); it is then never
	// selected by recipient domain, and has neither RecipientDomains nor
	// AllAcceptedDomains.
	IsTransportRuleScoped bool
	// RouteAllMessagesViaOnPremises: centralized mail transport, all mail
	// goes through the on-premises organisation first. OnPremises only.
	RouteAllMessagesViaOnPremises bool
	// UseMXRecord delivers by the recipient domain's MX records; when
	// false, mail goes to SmartHosts. Exchange's default is true.
	UseMXRecord bool
	// SmartHosts are the destinations when UseMXRecord is false.
	SmartHosts []SmartHost
	// TlsSettings is the TLS the connection must have; zero is unset
	// (opportunistic TLS).
	TlsSettings TlsAuthLevel
	// TlsDomain is the name the destination certificate must match, with
	// TlsSettings DomainValidation only; zero is unset.
	TlsDomain domain.Pattern
	// CloudServicesMailEnabled converts Exchange's internal organisation
	// headers for a hybrid on-premises organisation. OnPremises only.
	CloudServicesMailEnabled bool
	// SenderRewritingEnabled applies the Sender Rewriting Scheme to mail
	// routed on-premises. OnPremises only.
	SenderRewritingEnabled bool
	// TestMode: Exchange documents no behaviour for it and hides test-mode
	// connectors from Get-OutboundConnector unless asked. This package
	// never selects a test-mode connector (see [Table]).
	TestMode bool
	// Stored marks a connector read from what the service stores (an
	// export of Get-OutboundConnector), not written by hand: rules of
	// kind [KindWrite] it breaks do not refuse it ([NewTable] builds), and
	// a linter reports them instead.
	Stored bool `json:",omitempty"`
}

// NewOutbound returns an Outbound named name with New-OutboundConnector's
// defaults: Enabled, UseMXRecord, ConnectorType Partner (the stored
// default in Exchange's schema; the documentation states none).
func NewOutbound(name string) Outbound {
	return Outbound{Name: name, Enabled: true, ConnectorType: Partner, UseMXRecord: true}
}

// Clone returns a copy of o that shares no slice with it.
func (o Outbound) Clone() Outbound {
	o.RecipientDomains = slices.Clone(o.RecipientDomains)
	o.SmartHosts = slices.Clone(o.SmartHosts)
	return o
}

// candidate reports whether Select considers o: enabled, not in test mode,
// not rule-scoped.
func (o *Outbound) candidate() bool {
	return o.Enabled && !o.TestMode && !o.IsTransportRuleScoped
}

// Validate checks o with Exchange Online's rules and returns every broken
// one at once, as an [ErrorList] of [*ValidationError]s; nil when o is
// valid. The rules (Exchange's documentation, and where marked its code,
// which may not be what the service enforces today):
//
//	Name                      set, at most 64 characters
//	ConnectorType             OnPremises or Partner
//	RecipientDomains          valid patterns, no wildcard over a public suffix, no repeats
//	scope (code)              exactly one of IsTransportRuleScoped or (RecipientDomains, AllAcceptedDomains)
//	AllAcceptedDomains, RouteAllMessagesViaOnPremises, SenderRewritingEnabled,
//	CloudServicesMailEnabled (code)        OnPremises only
//	UseMXRecord false         needs SmartHosts
//	UseMXRecord true (code)   no SmartHosts; not on an OnPremises connector
//	TlsDomain (code)          set exactly when TlsSettings is DomainValidation; never *
//	RecipientDomains * (code) on an OnPremises connector only with RouteAllMessagesViaOnPremises
//
// Rules that need more than the connector (unique names, a tenant-scoped
// OnPremises inbound connector for RouteAllMessagesViaOnPremises) are not
// checked here; [NewTable] checks names.
func (o Outbound) Validate() error {
	p := &problems{name: o.Name}
	checkName(p, o.Name)
	checkType(p, o.ConnectorType)
	if !o.ConnectorSource.valid() {
		p.structural("ConnectorSource", "unknown value "+o.ConnectorSource.String())
	}
	checkPatterns(p, "RecipientDomains", o.RecipientDomains)

	scoped := len(o.RecipientDomains) > 0 || o.AllAcceptedDomains
	switch {
	case o.IsTransportRuleScoped && scoped:
		p.add("IsTransportRuleScoped", "a rule-scoped connector cannot also have RecipientDomains or AllAcceptedDomains")
	case !o.IsTransportRuleScoped && !scoped:
		p.add("RecipientDomains", "empty: set RecipientDomains or AllAcceptedDomains, or IsTransportRuleScoped")
	}

	if o.ConnectorType == Partner {
		for _, f := range []struct {
			name string
			set  bool
		}{
			{"AllAcceptedDomains", o.AllAcceptedDomains},
			{"RouteAllMessagesViaOnPremises", o.RouteAllMessagesViaOnPremises},
			{"SenderRewritingEnabled", o.SenderRewritingEnabled},
			{"CloudServicesMailEnabled", o.CloudServicesMailEnabled},
		} {
			if f.set {
				p.add(f.name, "needs ConnectorType OnPremises")
			}
		}
	}

	switch {
	case o.UseMXRecord && o.ConnectorType == OnPremises:
		p.add("UseMXRecord", "an OnPremises connector cannot route by MX (the MX of an accepted domain leads back to the service): set it false and list SmartHosts")
	case o.UseMXRecord && len(o.SmartHosts) > 0:
		p.add("SmartHosts", "set, but UseMXRecord is true: use one or the other")
	case !o.UseMXRecord && len(o.SmartHosts) == 0:
		p.add("SmartHosts", "empty, and UseMXRecord is false: list at least one smart host")
	}
	hosts := dups[SmartHost]{list: o.SmartHosts}
	for i, h := range o.SmartHosts {
		if !h.IsValid() {
			p.structural(indexed("SmartHosts", i), "empty smart host")
			continue
		}
		if j, dup := hosts.prev(i); dup {
			p.add(indexed("SmartHosts", i), h.String()+" is already listed at "+indexed("SmartHosts", j))
		}
	}

	switch o.TlsSettings {
	case 0, EncryptionOnly, CertificateValidation:
		if o.TlsDomain.IsValid() {
			p.add("TlsDomain", "set, but TlsSettings is not DomainValidation")
		}
	case DomainValidation:
		if !o.TlsDomain.IsValid() {
			p.add("TlsDomain", "empty, but TlsSettings is DomainValidation: name the domain the certificate must match")
		}
	default:
		p.structural("TlsSettings", "unknown value "+o.TlsSettings.String())
	}
	switch {
	case o.TlsDomain.Kind() == domain.Any:
		p.add("TlsDomain", `"*" is not allowed: name the certificate's domain`)
	case o.TlsDomain.Kind() == domain.Wildcard && domain.IsPublicSuffix(o.TlsDomain.Base()):
		p.add("TlsDomain", publicSuffixMsg(o.TlsDomain))
	}

	if o.ConnectorType == OnPremises && !o.RouteAllMessagesViaOnPremises {
		for i, d := range o.RecipientDomains {
			if d.Kind() == domain.Any {
				p.add(indexed("RecipientDomains", i), `"*" on an OnPremises connector needs RouteAllMessagesViaOnPremises`)
			}
		}
	}
	return p.errorList().err()
}

// PortabilityIssues lists what o uses that a general MTA may need but
// Exchange Online refuses: smart hosts that are IPv6 addresses or ranges
// (the service takes IPv4 only). They are not validation errors; a linter
// reports them as not portable to Exchange Online.
func (o Outbound) PortabilityIssues() []*ValidationError {
	p := &problems{name: o.Name}
	for i, h := range o.SmartHosts {
		if a, ok := h.ip(); ok && !a.Is4() {
			p.add(indexed("SmartHosts", i), h.String()+" is IPv6: Exchange Online takes IPv4 smart hosts only")
		}
	}
	return p.list
}

func checkName(p *problems, name string) {
	switch {
	case name == "":
		p.structural("Name", "empty")
	case utf8.RuneCountInString(name) > MaxNameLen:
		p.add("Name", "longer than "+strconv.Itoa(MaxNameLen)+" characters")
	}
}

func checkType(p *problems, t ConnectorType) {
	if t != OnPremises && t != Partner {
		if t == 0 {
			p.structural("ConnectorType", "not set: want OnPremises or Partner")
		} else {
			p.structural("ConnectorType", "unknown value "+t.String()+": want OnPremises or Partner")
		}
	}
}

// checkPatterns checks a list of domain patterns: each valid, no wildcard
// over a public suffix (possible with domain.WildcardPattern), no repeats.
func checkPatterns(p *problems, field string, pats []domain.Pattern) {
	seen := dups[domain.Pattern]{list: pats}
	for i, pat := range pats {
		switch {
		case !pat.IsValid():
			p.structural(indexed(field, i), "empty pattern")
			continue
		case pat.Kind() == domain.Wildcard && domain.IsPublicSuffix(pat.Base()):
			p.add(indexed(field, i), publicSuffixMsg(pat))
		}
		if j, dup := seen.prev(i); dup {
			p.add(indexed(field, i), pat.String()+" is already listed at "+indexed(field, j))
		}
	}
}

func publicSuffixMsg(pat domain.Pattern) string {
	return pat.String() + ": " + pat.Base().String() + " is a public suffix; a wildcard over it would match other organisations' domains"
}
