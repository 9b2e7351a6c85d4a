package attribution

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/mailflow-go/mailflow/certmatch"
	"github.com/mailflow-go/mailflow/connector"
	"github.com/mailflow-go/mailflow/domain"
)

// Severity ranks a lint finding.
type Severity uint8

const (
	// SeverityInfo: worth knowing; nothing breaks.
	SeverityInfo Severity = iota
	// SeverityWarning: works today, but fragile or likely to surprise.
	SeverityWarning
	// SeverityError: mail will be refused or misrouted.
	SeverityError
)

var severityNames = [...]string{"info", "warning", "error"}

// String returns "info", "warning" or "error".
func (s Severity) String() string { return enumName(severityNames[:], s, "Severity") }

// MarshalText implements encoding.TextMarshaler.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Lint finding codes. They are stable: tools may match on them.
const (
	CodeCertDomainNotAccepted   = "cert-domain-not-accepted"
	CodeSharedSenderIP          = "shared-sender-ip"
	CodeSharedCertificate       = "shared-certificate"
	CodeHostnameCertificateName = "hostname-certificate-name"
	CodeIPBasedOnPremises       = "ip-based-onpremises"
	CodePrivateSenderIP         = "private-sender-ip"
	CodeOneWayHybrid            = "one-way-hybrid"
	CodePrecedenceSensitive     = "precedence-sensitive"
	CodeNotPortable             = "not-portable-to-exchange-online"
	// CodeCertDomainOfOtherTenant: an OnPremises connector's certificate
	// name proves another tenant's accepted domain, never its own.
	CodeCertDomainOfOtherTenant = "cert-domain-of-other-tenant"
	// CodeSenderDomainOfOtherTenant: an OnPremises connector lists, in
	// SenderDomains, another tenant's accepted domain.
	CodeSenderDomainOfOtherTenant = "sender-domain-of-other-tenant"
	// CodePartnerRestrictsAllSenders: a Partner inbound connector with
	// RestrictDomainsToIPAddresses or RestrictDomainsToCertificate whose
	// SenderDomains is "*": every sender outside its IPs or certificate
	// is rejected (5.7.51), not only the partner's.
	CodePartnerRestrictsAllSenders = "partner-restricts-all-senders"
)

// References cited by findings.
const (
	RefMC1226222    = "MC1226222 (Prevent/Fix: Guidance for On-Premises Connectors Configuration)"
	RefRelay2023    = "https://learn.microsoft.com/exchange/mail-flow-best-practices/updated-requirements-smtp-relay"
	RefATTR36       = "https://learn.microsoft.com/exchange/troubleshoot/hybrid-configuration-wizard-errors/relay-access-denied-attr36-ndr"
	RefPrecedence   = "https://learn.microsoft.com/exchange/mail-flow-best-practices/use-connectors-to-configure-mail-flow/set-up-connectors-to-route-mail"
	RefInboundCmdlt = "https://learn.microsoft.com/powershell/module/exchangepowershell/new-inboundconnector"
	RefHybrid       = "https://learn.microsoft.com/exchange/mail-flow-best-practices/use-connectors-to-configure-mail-flow/set-up-connectors-to-route-mail"
	// RefFactsOneWay: what shows mailboxes on your own servers.
	RefFactsOneWay = "facts §3 (InternalRelay: unknown recipients go to your servers, through an outbound connector), §1.1 (CloudServicesMailEnabled, HybridWizard); " + RefHybrid
)

// Finding is one lint result.
type Finding struct {
	Code      string   `json:"code"`
	Severity  Severity `json:"severity"`
	Tenant    string   `json:"tenant"`
	Connector string   `json:"connector"`
	Message   string   `json:"message"`
	Reference string   `json:"reference"`
}

// String formats the finding on one line.
func (f Finding) String() string {
	s := f.Severity.String() + " " + f.Code + " tenant " + fmt.Sprintf("%q", f.Tenant)
	if f.Connector != "" {
		s += " connector " + fmt.Sprintf("%q", f.Connector)
	}
	return s + ": " + f.Message
}

// Lint checks every tenant of d and returns the findings, ordered by
// tenant, then severity (errors first), code and connector. What Exchange
// Online itself would refuse is not a finding: [NewDirectory] refuses it.
func Lint(d *Directory) []Finding {
	var out []Finding
	for ti := range d.live() {
		out = d.lintTenant(out, int32(ti)) // one slice for all: no per-tenant slices to copy
	}
	out = append(out, d.lintShared()...)
	sortFindings(out)
	return out
}

// LintTenant returns the findings of one tenant, including those it
// shares with others (shared IPs and certificates). It reports false when
// the tenant does not exist.
func LintTenant(d *Directory, id string) ([]Finding, bool) {
	ti, ok := d.index(id)
	if !ok {
		return nil, false
	}
	out := d.lintTenant(nil, ti)
	for _, f := range d.lintShared() {
		if f.Tenant == id {
			out = append(out, f)
		}
	}
	sortFindings(out)
	return out, true
}

func sortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(a.Tenant, b.Tenant),
			cmp.Compare(b.Severity, a.Severity),
			cmp.Compare(a.Code, b.Code),
			cmp.Compare(a.Connector, b.Connector),
			cmp.Compare(a.Message, b.Message),
		)
	})
}

// lintTenant appends tenant ti's findings to out.
func (d *Directory) lintTenant(out []Finding, ti int32) []Finding {
	t := d.rec(ti)
	out = append(out, d.lintStored(ti)...)
	add := func(code string, sev Severity, conn, ref, format string, args ...any) {
		out = append(out, Finding{Code: code, Severity: sev, Tenant: t.ID, Connector: conn, Message: fmt.Sprintf(format, args...), Reference: ref})
	}
	hasOnPremIn, hasOnPremOut := false, false
	for oc := range t.outboundConnectors() {
		// A rule-scoped connector carries only what a mail flow rule
		// sends it (a gateway, a relay): no route for the tenant's
		// domains, so it makes nobody one-way hybrid.
		if oc.Enabled && oc.ConnectorType == connector.OnPremises && !oc.IsTransportRuleScoped {
			hasOnPremOut = true
		}
	}
	// Mailboxes on your own servers (hybrid, or EOP in front of them)
	// show in a route to them or in what the Hybrid Configuration Wizard
	// sets; without either, an OnPremises inbound connector is the relay
	// of devices, applications or a relay service (seed "send mail from
	// devices", Option 3; MC1226222's add-on service).
	hybrid := hasOnPremOut || hybridEvidence(t)
	for ci := range t.InboundConnectors {
		c := &t.InboundConnectors[ci]
		if !c.Enabled {
			continue
		}
		for _, issue := range c.PortabilityIssues() {
			add(CodeNotPortable, SeverityInfo, c.Name, RefInboundCmdlt, "%s: %s; Exchange Online accepts only single IPv4 addresses and IPv4 ranges from /24 to /32 in SenderIPAddresses", issue.Field, issue.Msg)
		}
		for _, p := range c.SenderIPAddresses {
			if isPrivate(p.Addr()) {
				add(CodePrivateSenderIP, SeverityWarning, c.Name, RefInboundCmdlt,
					"SenderIPAddresses %s is a private or reserved range; a cloud service sees your servers' public addresses, so this never matches: use the public IP your mail leaves from", p)
			}
		}
		if c.ConnectorType == connector.Partner {
			d.lintPartner(c, add)
			continue
		}
		if c.ConnectorType != connector.OnPremises {
			continue
		}
		hasOnPremIn = true
		for _, p := range c.SenderDomains {
			if p.Kind() == domain.Any {
				continue
			}
			if owner, _, ok := d.owner(p.Base()); ok && owner != ti {
				add(CodeSenderDomainOfOtherTenant, SeverityWarning, c.Name, RefRelay2023,
					"SenderDomains %s is an accepted domain of tenant %q, not of tenant %q: a MAIL FROM there is attributed to %q at step 2 when its connector matches, and never lets %q relay (ATTR36); list only %q's own domains",
					p, d.rec(owner).ID, t.ID, d.rec(owner).ID, t.ID, t.ID)
			}
		}
		pat := c.TlsSenderCertificateName
		if !pat.IsValid() {
			if !hybrid {
				// The documented device relay by IP: devices send as
				// accepted domains and send no NDRs.
				add(CodeIPBasedOnPremises, SeverityInfo, c.Name, RefMC1226222,
					"connector identifies the relaying devices or applications by IP only: mail from senders outside your accepted domains is refused with 550 5.7.64 ATTR36, and a changed or shared IP breaks attribution; MC1226222 asks for a certificate (TlsSenderCertificateName with RequireTls) whose name is in an accepted domain where the sender can present one")
				continue
			}
			add(CodeIPBasedOnPremises, SeverityWarning, c.Name, RefMC1226222,
				"connector identifies your servers by IP only: NDRs (null sender), forwarded mail and senders outside your accepted domains will be refused with 550 5.7.64 ATTR36, and a changed or shared IP breaks attribution; add a certificate (TlsSenderCertificateName with RequireTls) whose name is in an accepted domain")
			continue
		}
		if pat.Kind() == domain.Exact {
			add(CodeHostnameCertificateName, SeverityInfo, c.Name, RefATTR36,
				"TlsSenderCertificateName %s names one host: a renewed certificate with another host name stops matching; use *.%s (it covers %s too) when the certificate's names vary", pat, parentOr(pat.Base()), pat.Base())
		}
		if !d.patternProves(pat, ti) {
			if other, ok := d.patternProvesOther(pat, ti); ok {
				add(CodeCertDomainOfOtherTenant, SeverityError, c.Name, RefMC1226222,
					"certificates matching TlsSenderCertificateName %s prove an accepted domain of tenant %q, not of tenant %q: attribution step 1 gives such a session to %q, and relay for %q is refused (ATTR36); use a certificate whose name is in %q's own accepted domains",
					pat, d.rec(other).ID, t.ID, d.rec(other).ID, t.ID, t.ID)
				continue
			}
			add(CodeCertDomainNotAccepted, SeverityError, c.Name, RefMC1226222,
				"certificates matching TlsSenderCertificateName %s do not prove an accepted domain of the tenant: relay of NDRs and foreign senders is refused (ATTR36) and attribution may pick another tenant; make the certificate's domain (or its parent) an accepted domain, e.g. add %s", pat, suggestDomain(pat))
		}
	}
	switch {
	case hasOnPremIn && !hasOnPremOut && hybrid:
		add(CodeOneWayHybrid, SeverityWarning, "", RefFactsOneWay, "the tenant has mailboxes on your own servers (%s) and an OnPremises inbound connector, but no enabled OnPremises outbound connector: mail from the cloud to your servers has no route; add an outbound connector with ConnectorType OnPremises", hybridWhy(t))
	case hasOnPremOut && !hasOnPremIn:
		add(CodeOneWayHybrid, SeverityWarning, "", RefHybrid, "the tenant has an OnPremises outbound connector but no enabled OnPremises inbound connector: mail from your servers is treated as anonymous and cannot relay; add an inbound connector with ConnectorType OnPremises")
	}
	if t.outbound != nil {
		for _, dis := range t.outbound.Disagreements() {
			where := dis.Pattern.String()
			if len(dis.Except) > 0 {
				var ex []string
				for _, e := range dis.Except {
					ex = append(ex, e.String())
				}
				where += " (except " + strings.Join(ex, ", ") + ")"
			}
			add(CodePrecedenceSensitive, SeverityWarning, selectionName(dis.MostSpecific), RefPrecedence,
				"mail to %s goes to %s under most-specific precedence but to %s under listed-order (Microsoft's documentation gives both orders); list %s exactly in the RecipientDomains of the connector it should use, so that both orders agree",
				where, dis.MostSpecific, dis.ListedOrder, dis.Pattern.Base())
		}
	}
	d.lintOutbound(ti, add)
	lintPartnerOverlap(t, add)
	out = append(out, d.lintTransportRules(ti)...)
	return out
}

// hybridEvidence reports whether tenant t shows mailboxes on its own
// servers other than by an outbound route: an InternalRelay accepted
// domain (facts §3: unknown recipients go to your servers), or an
// enabled OnPremises inbound connector the Hybrid Configuration Wizard
// made or that carries hybrid headers (CloudServicesMailEnabled, facts
// §1.1).
func hybridEvidence(t *tenantRec) bool { return hybridWhy(t) != "" }

// hybridWhy names the evidence hybridEvidence found, "" for none.
func hybridWhy(t *tenantRec) string {
	for _, a := range t.AcceptedDomains {
		if a.Type == domain.InternalRelay {
			return "accepted domain " + a.Name.String() + " is InternalRelay"
		}
	}
	for i := range t.InboundConnectors {
		c := &t.InboundConnectors[i]
		if !c.Enabled || c.ConnectorType != connector.OnPremises {
			continue
		}
		switch {
		case c.ConnectorSource == connector.SourceHybridWizard:
			return "inbound connector '" + c.Name + "' was made by the Hybrid Configuration Wizard"
		case c.CloudServicesMailEnabled:
			return "inbound connector '" + c.Name + "' has CloudServicesMailEnabled"
		}
	}
	for c := range t.outboundConnectors() {
		if c.Enabled && c.ConnectorType == connector.OnPremises && !c.IsTransportRuleScoped {
			return "outbound connector '" + c.Name + "' routes to them"
		}
	}
	return ""
}

// lintPartner checks an enabled Partner inbound connector.
func (d *Directory) lintPartner(c *connector.Inbound, add func(code string, sev Severity, conn, ref, format string, args ...any)) {
	lintPartnerRestrictions(c, add)
	if !c.RestrictDomainsToIPAddresses && !c.RestrictDomainsToCertificate {
		return
	}
	if !slices.ContainsFunc(c.SenderDomains, func(p domain.Pattern) bool { return p.Kind() == domain.Any }) {
		return
	}
	by := "SenderIPAddresses"
	if c.RestrictDomainsToCertificate {
		by = "TlsSenderCertificateName"
	}
	// Facts §2.1: the restriction rejects mail from SenderDomains sent
	// from elsewhere; with "*" that is every sender (facts §5.3, 5.7.51).
	add(CodePartnerRestrictsAllSenders, SeverityError, c.Name, RefInboundCmdlt,
		"SenderDomains is * and the connector restricts by %s: mail from every sender domain, not only the partner's, is rejected (550 5.7.51) unless it comes from %s; list the partner's domains in SenderDomains", by, by)
}

func selectionName(s connector.Selection) string {
	if s.Connector() == nil {
		return ""
	}
	return s.Connector().Name
}

// patternName is the certificate name a TlsSenderCertificateName pattern
// stands for in practice: the host for an exact pattern, "*.b" for a
// wildcard "*.b" (certificates that match it carry names under b). Lint
// asks of it what attribution asks of a presented certificate, with the
// same rule (certmatch.Name.Proves through Directory.provedBy).
func patternName(p domain.Pattern) (certmatch.Name, bool) {
	var s string
	switch p.Kind() {
	case domain.Exact:
		s = p.Base().String()
	case domain.Wildcard:
		s = "*." + p.Base().String()
	default:
		return certmatch.Name{}, false
	}
	n, err := certmatch.ParseName(s)
	return n, err == nil
}

// patternProves reports whether the certificates a connector pattern
// stands for prove an accepted domain of tenant ti.
func (d *Directory) patternProves(p domain.Pattern, ti int32) bool {
	n, ok := patternName(p)
	return ok && d.nameProves(n, ti)
}

// patternProvesOther returns another tenant than ti whose accepted domain
// the certificates of pattern p prove.
func (d *Directory) patternProvesOther(p domain.Pattern, ti int32) (int32, bool) {
	n, ok := patternName(p)
	if !ok {
		return 0, false
	}
	return d.provedBy(n, func(owner int32) bool { return owner != ti })
}

func parentOr(n domain.Name) domain.Name {
	if p, ok := n.Parent(); ok && !domain.IsPublicSuffix(p) {
		return p
	}
	return n
}

func suggestDomain(p domain.Pattern) domain.Name {
	if p.Kind() == domain.Exact {
		return parentOr(p.Base())
	}
	return p.Base()
}

// isPrivate reports whether a is not a public unicast address.
func isPrivate(a netip.Addr) bool {
	a = a.Unmap()
	if a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() || a.IsUnspecified() || a.IsMulticast() {
		return true
	}
	if a.Is4() {
		b := a.As4()
		return b[0] == 100 && b[1]&0xc0 == 64 || // 100.64.0.0/10 shared address space
			b[0] == 0 || b[0] >= 240 // this network, reserved
	}
	return false
}

// lintShared finds what tenants share: sender IPs and certificates of
// OnPremises connectors (MC1226222 anti-pattern 2, and its certificate
// twin). Both checks index once and enumerate only the pairs they report
// (slowLintShared in lint_slow_test.go is the pairwise reference).
func (d *Directory) lintShared() []Finding {
	out := d.lintSharedIPs(nil)
	return d.lintSharedCerts(out)
}

// lintSharedIPs reports, for every OnPremises connector, each other
// tenant whose OnPremises connector's sender IPs overlap its own: once
// per (connector, other tenant), at the first prefix in CIDR order where
// both appear. The IP index stores under every prefix the connectors of
// its supernets first and then its own (buildIPIndex), and a supernet
// comes before its subnets in CIDR order, so a pair both of whose
// connectors are inherited was already met at the supernet: only pairs
// with one of the prefix's own connectors are enumerated.
func (d *Directory) lintSharedIPs(out []Finding) []Finding {
	type key struct {
		ti    int32
		conn  string
		other int32
	}
	seen := map[key]bool{}
	for pfx, refs := range d.ips.AllSorted() {
		inherited := 0
		if pfx.Bits() > 0 {
			if up, err := pfx.Addr().Prefix(pfx.Bits() - 1); err == nil {
				if _, sup, ok := d.ips.LookupPrefixLPM(up); ok {
					inherited = len(sup)
				}
			}
		}
		for i, ra := range refs {
			a := d.conn(ra)
			if a.ConnectorType != connector.OnPremises {
				continue
			}
			// An inherited a pairs only with the prefix's own connectors.
			from := 0
			if i < inherited {
				from = inherited
			}
			for j := from; j < len(refs); j++ {
				rb := refs[j]
				if rb.tenant == ra.tenant {
					continue
				}
				b := d.conn(rb)
				if b.ConnectorType != connector.OnPremises {
					continue
				}
				// An own a meets every b from the start of the list, so
				// the first b of each tenant names the pair, as in the
				// reference; an inherited b before it means the pair was
				// met at a supernet.
				k := key{ra.tenant, a.Name, rb.tenant}
				if seen[k] {
					continue
				}
				seen[k] = true
				out = append(out, sharedIPFinding(d, ra.tenant, a.Name, rb.tenant, b.Name, pfx.String()))
			}
		}
	}
	return out
}

func sharedIPFinding(d *Directory, ti int32, conn string, other int32, otherConn, where string) Finding {
	return Finding{Code: CodeSharedSenderIP, Severity: SeverityWarning, Tenant: d.rec(ti).ID, Connector: conn, Reference: RefMC1226222,
		Message: fmt.Sprintf("sender IPs overlap with OnPremises connector %q of tenant %q (at %s): only MAIL FROM and RCPT TO can tell the tenants apart, and NDRs or forwarded mail may be attributed to the wrong tenant; use a certificate per tenant instead of a shared IP", otherConn, d.rec(other).ID, where)}
}

// lintSharedCerts reports every pair of OnPremises connectors of
// different tenants whose TlsSenderCertificateName patterns can match one
// certificate: one pattern covers the other. Overlap is symmetric, and
// every overlapping pair {p, q} with p covering q is met exactly once, on
// q's walk up its name (d.certs.Covering, the index NewDirectory built:
// no index is built here): there each connector of q is told about p,
// and, when p is not q itself, each connector of p about q. Each
// connector walks its name's depth once; the cost beyond that is the
// findings reported.
func (d *Directory) lintSharedCerts(out []Finding) []Finding {
	emit := func(ati int32, aconn string, ap, q domain.Pattern, b connRef) {
		c := d.conn(b)
		out = append(out, Finding{Code: CodeSharedCertificate, Severity: SeverityWarning, Tenant: d.rec(ati).ID, Connector: aconn, Reference: RefMC1226222,
			Message: fmt.Sprintf("TlsSenderCertificateName %s can match the same certificate as %s of connector %q in tenant %q: one certificate serving several tenants decides nothing at attribution step 1; use a separate certificate, whose name is in the tenant's own accepted domain, for each tenant", ap, q, c.Name, d.rec(b.tenant).ID)})
	}
	if d.certs == nil {
		return out
	}
	for ti := range d.live() {
		for ci := range d.rec(ti).InboundConnectors {
			a := &d.rec(ti).InboundConnectors[ci]
			if !a.Enabled || a.ConnectorType != connector.OnPremises || !a.TlsSenderCertificateName.IsValid() {
				continue
			}
			x, me := a.TlsSenderCertificateName, int32(ti)
			covering := d.certs.Covering(x.Base())
			if x.Kind() == domain.Any {
				covering = func(yield func(domain.Pattern, []connRef) bool) {
					if refs, ok := d.certs.Any(); ok {
						yield(domain.AnyPattern(), refs)
					}
				}
			}
			for p, refs := range covering {
				if !p.Covers(x) {
					continue // the exact base of a wildcard: met on its own walk
				}
				for _, b := range refs {
					if b.tenant == me || d.conn(b).ConnectorType != connector.OnPremises {
						continue // d.certs holds every enabled connector's pattern
					}
					emit(me, a.Name, x, p, b) // a is covered by p
					if p != x {
						emit(b.tenant, d.conn(b).Name, p, x, connRef{me, int32(ci)}) // p covers a
					}
				}
			}
		}
	}
	return out
}

// Summary counts findings by severity: "2 errors, 1 warning, 0 info".
func Summary(fs []Finding) string {
	var n [3]int
	for _, f := range fs {
		n[f.Severity]++
	}
	plural := func(k int, w string) string {
		if k == 1 || w == "info" {
			return fmt.Sprintf("%d %s", k, w)
		}
		return fmt.Sprintf("%d %ss", k, w)
	}
	return strings.Join([]string{plural(n[SeverityError], "error"), plural(n[SeverityWarning], "warning"), plural(n[SeverityInfo], "info")}, ", ")
}
