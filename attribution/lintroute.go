package attribution

import (
	"strconv"
	"strings"

	"github.com/mailflow-go/mailflow/connector"
	"github.com/mailflow-go/mailflow/domain"
)

// Lint codes for outbound connectors whose scope sends mail where the
// admin did not mean it to go (facts §1.2, §4, §9.3).
const (
	// CodeCatchAllToOnPremises: an OnPremises connector lists * without
	// RouteAllMessagesViaOnPremises: all internet mail goes to the
	// on-premises smart hosts, and the service does not treat it as
	// centralized mail transport.
	CodeCatchAllToOnPremises = "catch-all-to-onpremises"
	// CodeCatchAllToPartner: a Partner connector lists * and delivers to
	// smart hosts: all internet mail goes to one partner's servers.
	CodeCatchAllToPartner = "catch-all-to-partner"
	// CodeAllAcceptedToPartner: a Partner connector (stored) has
	// AllAcceptedDomains: the tenant's own domains' mail goes to a
	// partner.
	CodeAllAcceptedToPartner = "all-accepted-domains-to-partner"
	// CodeCatchAllShadowsAccepted: a * Partner connector with smart hosts
	// is what the outbound table selects for some of the tenant's own
	// accepted domains: their mail goes to the partner, not to their MX
	// (the service) or the tenant's own servers.
	CodeCatchAllShadowsAccepted = "catch-all-shadows-accepted-domain"
	// CodeConnectorNeverSelected: an enabled, domain-scoped connector that
	// the outbound table selects for no recipient domain at all: another
	// connector wins every name it claims.
	CodeConnectorNeverSelected = "connector-never-selected"
)

// References for the outbound findings: the facts sections they rest on.
const (
	RefFactsCatchAll  = "facts §1.2 (* on an OnPremises connector needs RouteAllMessagesViaOnPremises), §4.3 and §9.3 (office-docs-powershell issue 8739: AllAcceptedDomains with * catches internet mail); " + RefPrecedence
	RefFactsPartnerTo = "facts §1.1 (ConnectorType Partner serves domains outside the organisation), §1.2 (AllAcceptedDomains needs OnPremises); " + RefNewOutbound
	RefFactsShadow    = "facts §3 (Authoritative and InternalRelay delivery), §4.4 (no connector: deliver by MX); " + RefPrecedence
	RefFactsNeverSel  = "facts §4.1, §4.2 (which connector wins), §4.4; " + RefPrecedence
)

// lintOutbound reports tenant ti's catch-all connectors, the accepted
// domains a * connector takes from their own delivery, and the
// connectors that win for no name. Each is a few table lookups per
// pattern and accepted domain: linear in the tenant's connectors and
// domains, times the name depth.
func (d *Directory) lintOutbound(ti int32, add func(code string, sev Severity, conn, ref, format string, args ...any)) {
	t := d.rec(ti)
	if t.outbound == nil {
		return
	}
	for c := range t.outboundConnectors() {
		if !selectable(c) {
			continue
		}
		star := hasAny(c.RecipientDomains)
		switch {
		case star && c.ConnectorType == connector.OnPremises && !c.RouteAllMessagesViaOnPremises:
			also := ""
			if c.AllAcceptedDomains {
				also = " (AllAcceptedDomains does not narrow *: both apply, as office-docs-powershell issue 8739 found)"
			}
			add(CodeCatchAllToOnPremises, SeverityError, c.Name, RefFactsCatchAll,
				"RecipientDomains * sends every recipient domain no other connector claims, all internet mail, to your on-premises servers %s%s, and RouteAllMessagesViaOnPremises is false, so it is not centralized mail transport; list your on-premises domains instead of * (or set AllAcceptedDomains), or, if all mail should pass through on-premises, set RouteAllMessagesViaOnPremises $true",
				destination(c), also)
		case star && c.ConnectorType == connector.Partner && !c.UseMXRecord:
			add(CodeCatchAllToPartner, SeverityWarning, c.Name, RefFactsPartnerTo,
				"RecipientDomains * sends every recipient domain no other connector claims, all internet mail, to this partner's servers %s: only an outbound gateway you route all mail through should have it; list the partner's domains in RecipientDomains instead of *",
				destination(c))
		}
		if c.AllAcceptedDomains && c.ConnectorType == connector.Partner {
			won := acceptedWon(t, c)
			add(CodeAllAcceptedToPartner, SeverityError, c.Name, RefFactsPartnerTo,
				"AllAcceptedDomains on a Partner connector sends mail for the tenant's own accepted domains (%s) to a partner's servers %s; clear AllAcceptedDomains and list the partner's domains in RecipientDomains (a connector to your own servers is ConnectorType OnPremises)",
				nameList(won, "none: more specific connectors win them all"), destination(c))
		}
	}
	d.lintShadowed(t, add)
	d.lintNeverSelected(t, add)
}

// selectable reports whether the table considers c by recipient domain:
// enabled, not in test mode, not rule-scoped.
func selectable(c *connector.Outbound) bool {
	return c.Enabled && !c.TestMode && !c.IsTransportRuleScoped
}

func hasAny(ps []domain.Pattern) bool {
	for _, p := range ps {
		if p.Kind() == domain.Any {
			return true
		}
	}
	return false
}

// destination names where c delivers: "(smart hosts a, b)" or "(by MX)".
func destination(c *connector.Outbound) string {
	if c.UseMXRecord || len(c.SmartHosts) == 0 {
		return "(by MX)"
	}
	hs := make([]string, len(c.SmartHosts))
	for i, h := range c.SmartHosts {
		hs[i] = h.String()
	}
	return "(smart hosts " + strings.Join(hs, ", ") + ")"
}

// nameList joins names, at most maxListed of them; empty gives none.
func nameList(names []string, none string) string {
	if len(names) == 0 {
		return none
	}
	if len(names) > maxListed {
		return strings.Join(names[:maxListed], ", ") + " and " + strconv.Itoa(len(names)-maxListed) + " more"
	}
	return strings.Join(names, ", ")
}

// acceptedWon lists the accepted domains (and "below x" for those
// matching subdomains) whose mail the table gives c.
func acceptedWon(t *tenantRec, c *connector.Outbound) []string {
	var out []string
	for _, a := range t.AcceptedDomains {
		if t.outbound.Select(a.Name).Connector() == c {
			out = append(out, a.Name.String())
		}
		if a.MatchSubDomains && t.outbound.SelectBelow(a.Name).Connector() == c {
			out = append(out, "names below "+a.Name.String())
		}
	}
	return out
}

// lintShadowed reports, per * Partner connector with smart hosts, the
// tenant's accepted domains it is selected for. Mail to them would
// otherwise go by MX (to the service itself, for delivery to the
// tenant's mailboxes) or to a connector to the tenant's servers.
func (d *Directory) lintShadowed(t *tenantRec, add func(code string, sev Severity, conn, ref, format string, args ...any)) {
	type shadow struct {
		names []string
		relay bool // an InternalRelay domain among them
	}
	found := false
	for c := range t.outboundConnectors() {
		found = found || selectable(c) && c.ConnectorType == connector.Partner && !c.UseMXRecord && hasAny(c.RecipientDomains)
	}
	if !found {
		return // no * Partner connector with smart hosts: nothing to shadow
	}
	var by map[*connector.Outbound]*shadow
	var order []*connector.Outbound
	note := func(s connector.Selection, name string, relay bool) {
		c := s.Connector()
		if s.Rule() != connector.RuleAny || c.ConnectorType != connector.Partner || c.UseMXRecord {
			return
		}
		if by == nil {
			by = map[*connector.Outbound]*shadow{}
		}
		sh, ok := by[c]
		if !ok {
			sh = &shadow{}
			by[c] = sh
			order = append(order, c)
		}
		sh.names = append(sh.names, name)
		sh.relay = sh.relay || relay
	}
	for _, a := range t.AcceptedDomains {
		relay := a.Type == domain.InternalRelay
		note(t.outbound.Select(a.Name), a.Name.String(), relay)
		if a.MatchSubDomains {
			note(t.outbound.SelectBelow(a.Name), "names below "+a.Name.String(), relay)
		}
	}
	for _, c := range order {
		sh := by[c]
		sev, what := SeverityWarning, "mail that should be delivered to the tenant's mailboxes (its MX, the service itself)"
		if sh.relay {
			sev, what = SeverityError, "mail for them, including the recipients of an InternalRelay domain that should reach your own servers,"
		}
		add(CodeCatchAllShadowsAccepted, sev, c.Name, RefFactsShadow,
			"RecipientDomains * also matches the tenant's own accepted domains %s, and no more specific connector claims them: %s goes to this partner's servers %s instead; list those domains in the connector to your own servers (ConnectorType OnPremises), or replace * with the partner's domains",
			nameList(sh.names, ""), what, destination(c))
	}
}

// lintNeverSelected reports each selectable connector the table picks
// for no recipient domain, with the connector that wins each name it
// claims. A claim is decided by at most two lookups: its own name (x
// for x or *.x, each accepted domain for AllAcceptedDomains) and, for a
// wildcard or a domain matching subdomains, a representative name below
// it (Table.SelectBelow): a name below x that the table knows by name is
// decided by a claim at least as specific as the one that decides the
// representative, so if c loses both, it loses every name below x too
// (TestNeverSelectedDifferential checks this against enumeration). A *
// always wins names nobody else claims.
func (d *Directory) lintNeverSelected(t *tenantRec, add func(code string, sev Severity, conn, ref, format string, args ...any)) {
	for c := range t.outboundConnectors() {
		if !selectable(c) || hasAny(c.RecipientDomains) || wins(t, c, nil) {
			continue
		}
		var lost []string
		wins(t, c, &lost)
		who := "mail for the names it claims never takes it"
		if c.ConnectorType == connector.Partner {
			who = "mail to the partner never takes it, and the partner's TLS and smart-host settings never apply"
		}
		add(CodeConnectorNeverSelected, SeverityWarning, c.Name, RefFactsNeverSel,
			"the outbound table (%s precedence) selects this connector for no recipient domain: another connector wins every name it claims (%s); %s. Remove the connector, or move the names from the winning connector to this one (an exact domain beats every other claim)",
			t.outbound.Precedence(), nameList(lost, "it claims none"), who)
	}
}

// wins reports whether the table selects c for one of the names it
// claims (see lintNeverSelected). With lost set, it checks every claim
// and appends to *lost, for each, the name and the selection that wins
// it; without, it stops at the first win and allocates nothing.
func wins(t *tenantRec, c *connector.Outbound, lost *[]string) bool {
	check := func(s connector.Selection, n domain.Name, below bool) bool {
		if s.Connector() == c {
			return true
		}
		if lost != nil {
			what := n.String()
			if below {
				what = "names below " + what
			}
			*lost = append(*lost, what+" → "+s.String())
		}
		return false
	}
	for _, p := range c.RecipientDomains {
		if p.Kind() == domain.Any {
			return true
		}
		if check(t.outbound.Select(p.Base()), p.Base(), false) ||
			p.Kind() == domain.Wildcard && check(t.outbound.SelectBelow(p.Base()), p.Base(), true) {
			return true
		}
	}
	if c.AllAcceptedDomains {
		for _, a := range t.AcceptedDomains {
			if check(t.outbound.Select(a.Name), a.Name, false) ||
				a.MatchSubDomains && check(t.outbound.SelectBelow(a.Name), a.Name, true) {
				return true
			}
		}
	}
	return false
}
