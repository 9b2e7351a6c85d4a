package attribution

import (
	"github.com/mailflow-go/mailflow/connector"
	"github.com/mailflow-go/mailflow/domain"
	"github.com/mailflow-go/mailflow/internal/labeltree"
)

// Lint codes for Partner inbound connectors whose restrictions reject the
// partner's own mail, the "5.7.51 TenantInboundAttribution; Rejecting"
// family (facts §2.1, §2.2, §2.3, §5.3).
const (
	// CodePartnerRestrictionRejectsPartner: the restriction can never be
	// met (RestrictDomainsToCertificate without TlsSenderCertificateName,
	// RestrictDomainsToIPAddresses without SenderIPAddresses, or with only
	// private addresses): all mail from SenderDomains is rejected.
	CodePartnerRestrictionRejectsPartner = "partner-restriction-rejects-partner"
	// CodePartnerCertificateWithoutTLS: RestrictDomainsToCertificate with
	// RequireTls false: mail sent without TLS presents no certificate and
	// is rejected by the restriction, not refused as plain text.
	CodePartnerCertificateWithoutTLS = "partner-certificate-restriction-without-tls"
	// CodePartnerRestrictionsConflict: one Partner connector restricts by
	// both IP and certificate (refused on write), or identifies the
	// partner by both (facts §2.3: use separate connectors).
	CodePartnerRestrictionsConflict = "partner-restrictions-conflict"
	// CodePartnerAllowListOverridden: a Partner connector that restricts
	// nothing shares sender domains with one that restricts by IP or
	// certificate: the restricting connector wins (facts §2.3), so mail
	// from those domains that the first was meant to admit is rejected.
	CodePartnerAllowListOverridden = "partner-allow-list-overridden"
)

// References for the Partner inbound findings.
const (
	RefFactsRestrict = "facts §2.1 (RestrictDomainsToIPAddresses, RestrictDomainsToCertificate), §2.2 (invalid combinations), §5.3 (5.7.51 TenantInboundAttribution; Rejecting, community-reported); " + RefInboundCmdlt
	RefFactsPartners = "facts §2.3 (choosing among several Partner inbound connectors: the restricting connector wins; IPs and a certificate in separate connectors); " + RefInboundCmdlt
)

type addFunc = func(code string, sev Severity, conn, ref, format string, args ...any)

// lintPartnerRestrictions checks one enabled Partner inbound connector's
// restrictions against its own identification of the partner.
func lintPartnerRestrictions(c *connector.Inbound, add addFunc) {
	hasIP, hasCert := len(c.SenderIPAddresses) > 0, c.TlsSenderCertificateName.IsValid()
	if c.RestrictDomainsToCertificate && !hasCert {
		add(CodePartnerRestrictionRejectsPartner, SeverityError, c.Name, RefFactsRestrict,
			"RestrictDomainsToCertificate is true but TlsSenderCertificateName is empty: no certificate can match, so all mail from SenderDomains %s is rejected (550 5.7.51); set TlsSenderCertificateName to the name on the partner's certificate (with RequireTls), or clear RestrictDomainsToCertificate",
			patternList(c.SenderDomains))
	}
	if c.RestrictDomainsToIPAddresses {
		public := 0
		for _, p := range c.SenderIPAddresses {
			if !isPrivate(p.Addr()) {
				public++
			}
		}
		switch {
		case !hasIP:
			add(CodePartnerRestrictionRejectsPartner, SeverityError, c.Name, RefFactsRestrict,
				"RestrictDomainsToIPAddresses is true but SenderIPAddresses is empty: no address is allowed, so all mail from SenderDomains %s is rejected (550 5.7.51); list the partner's public sending IPs in SenderIPAddresses, or clear RestrictDomainsToIPAddresses",
				patternList(c.SenderDomains))
		case public == 0:
			add(CodePartnerRestrictionRejectsPartner, SeverityError, c.Name, RefFactsRestrict,
				"RestrictDomainsToIPAddresses is true and every SenderIPAddresses entry is a private or reserved range, which the service never sees as a source: all mail from SenderDomains %s is rejected (550 5.7.51); list the partner's public sending IPs",
				patternList(c.SenderDomains))
		}
	}
	if c.RestrictDomainsToCertificate && hasCert && !c.RequireTls {
		add(CodePartnerCertificateWithoutTLS, SeverityWarning, c.Name, RefFactsRestrict,
			"RestrictDomainsToCertificate is true and RequireTls is false: a session without TLS presents no certificate, so the partner's mail sent in plain text is rejected by the restriction (550 5.7.51) rather than refused for lacking TLS; set RequireTls $true (a certificate name needs it, facts §2.2)")
	}
	switch {
	case c.RestrictDomainsToIPAddresses && c.RestrictDomainsToCertificate:
		add(CodePartnerRestrictionsConflict, SeverityError, c.Name, RefFactsPartners,
			"RestrictDomainsToIPAddresses and RestrictDomainsToCertificate are both true: the two restrictions contradict each other (the service refuses the combination on write, and which one it applies to stored state is undocumented), so the partner's mail that meets one may be rejected by the other; keep one restriction per connector, and make a second connector for the other")
	case hasIP && hasCert:
		by, other := "IP", "TlsSenderCertificateName"
		switch {
		case c.RestrictDomainsToCertificate:
			by, other = "certificate", "SenderIPAddresses"
		case !c.RestrictDomainsToIPAddresses:
			by, other = "neither", "SenderIPAddresses or TlsSenderCertificateName"
		}
		add(CodePartnerRestrictionsConflict, SeverityWarning, c.Name, RefFactsPartners,
			"the connector lists both SenderIPAddresses and TlsSenderCertificateName and restricts by %s: Partner connectors are looked up by IP or certificate, and one that names both is not what the documentation supports; move %s to a connector of its own",
			by, other)
	}
}

func patternList(ps []domain.Pattern) string {
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.String()
	}
	return nameList(names, "(none)")
}

// lintPartnerOverlap reports each enabled Partner connector that
// restricts nothing and shares a sender domain with one that restricts by
// IP or certificate. The restricting connectors' SenderDomains are
// indexed once per tenant (only when both kinds exist); each other
// connector then looks up the patterns covering its own and, for a
// wildcard, those below it.
func lintPartnerOverlap(t *tenantRec, add addFunc) {
	var open, restricting []*connector.Inbound
	for i := range t.InboundConnectors {
		c := &t.InboundConnectors[i]
		if !c.Enabled || c.ConnectorType != connector.Partner {
			continue
		}
		if c.RestrictDomainsToIPAddresses || c.RestrictDomainsToCertificate {
			restricting = append(restricting, c)
		} else {
			open = append(open, c)
		}
	}
	if len(open) == 0 || len(restricting) == 0 {
		return
	}
	tree := labeltree.New[*connector.Inbound]()
	for _, r := range restricting {
		for _, p := range r.SenderDomains {
			if _, ok := tree.Get(p); !ok {
				tree.Insert(p, r)
			}
		}
	}
	for _, c := range open {
		var hit *connector.Inbound
		var mine, theirs domain.Pattern
		for _, p := range c.SenderDomains {
			if hit != nil {
				break
			}
			if p.Kind() == domain.Any {
				for q, r := range tree.All() {
					hit, mine, theirs = r, p, q
					break
				}
				continue
			}
			for q, r := range tree.Covering(p.Base()) { // * included
				if p.Kind() == domain.Wildcard && q.Kind() == domain.Exact {
					continue // contoso.com does not cover *.contoso.com; found below by Subtree
				}
				hit, mine, theirs = r, p, q
				break
			}
			if hit == nil && p.Kind() == domain.Wildcard {
				for q, r := range tree.Subtree(p.Base()) {
					hit, mine, theirs = r, p, q
					break
				}
			}
		}
		if hit == nil {
			continue
		}
		by := "IP (RestrictDomainsToIPAddresses)"
		if hit.RestrictDomainsToCertificate {
			by = "certificate (RestrictDomainsToCertificate)"
		}
		add(CodePartnerAllowListOverridden, SeverityWarning, c.Name, RefFactsPartners,
			"SenderDomains %s overlaps %s of Partner connector '%s', which restricts by %s: when a restricting connector exists the service looks Partner connectors up by IP or certificate and the restricting one wins, so mail from those senders that this connector was meant to admit is rejected (550 5.7.51) unless it meets that restriction; give the two connectors disjoint SenderDomains, or add this connector's senders to the restriction",
			mine, theirs, hit.Name, by)
	}
}
