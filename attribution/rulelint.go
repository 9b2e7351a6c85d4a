package attribution

import (
	"strings"

	"github.com/mailflow-go/mailflow/connector"
)

// Lint codes for transport rules that route through connectors.
const (
	// CodeRuleConnectorMissing: an enabled rule routes to a connector the
	// tenant does not have (only stored, imported rules reach lint: a
	// hand-written one is refused when the directory is built).
	CodeRuleConnectorMissing = "rule-connector-missing"
	// CodeRuleConnectorNotScoped: an imported rule routes to a connector
	// that is not IsTransportRuleScoped.
	CodeRuleConnectorNotScoped = "rule-connector-not-rule-scoped"
	// CodeRuleConnectorDisabled: an enabled, enforced rule routes to a
	// disabled connector.
	CodeRuleConnectorDisabled = "rule-connector-disabled"
	// CodeRuleScopedUnused: an enabled rule-scoped connector that no
	// enabled, enforced rule names never carries mail.
	CodeRuleScopedUnused = "rule-scoped-connector-unused"
	// CodeRuleAuditRouting: a rule in Audit or AuditAndNotify mode names a
	// connector, and routes nothing.
	CodeRuleAuditRouting = "rule-audit-mode-routing"
)

// References for the rule findings.
const (
	RefNewTransportRule   = "https://learn.microsoft.com/powershell/module/exchangepowershell/new-transportrule"
	RefConditionalRouting = "https://learn.microsoft.com/exchange/mail-flow-best-practices/use-connectors-to-configure-mail-flow/conditional-mail-routing"
	RefNewOutbound        = "https://learn.microsoft.com/powershell/module/exchangepowershell/new-outboundconnector"
)

// lintTransportRules finds the tenant's rules that cannot route as meant,
// and the rule-scoped connectors no rule uses.
func (d *Directory) lintTransportRules(ti int32) []Finding {
	t := d.rec(ti)
	var out []Finding
	add := func(code string, sev Severity, conn, ref, msg string) {
		out = append(out, Finding{Code: code, Severity: sev, Tenant: t.ID, Connector: conn, Message: msg, Reference: ref})
	}
	used := map[string]bool{} // lower-case connector names that an acting rule names
	for i := range t.TransportRules {
		r := &t.TransportRules[i]
		if r.RouteMessageOutboundConnector == "" || r.State != RuleEnabled {
			continue
		}
		rule := "transport rule '" + r.Name + "'"
		if r.Mode != ModeEnforce {
			add(CodeRuleAuditRouting, SeverityInfo, r.RouteMessageOutboundConnector, RefNewTransportRule,
				rule+" is in "+r.Mode.String()+" mode: its actions are only logged, so it routes no mail through connector '"+r.RouteMessageOutboundConnector+"'; set Mode Enforce when the test is done")
			continue
		}
		used[strings.ToLower(r.RouteMessageOutboundConnector)] = true
		c := d.ruleConnector(ti, r.RouteMessageOutboundConnector)
		switch {
		case c == nil:
			add(CodeRuleConnectorMissing, SeverityError, r.RouteMessageOutboundConnector, RefConditionalRouting,
				rule+" routes to outbound connector '"+r.RouteMessageOutboundConnector+"', which the tenant does not have: import the connectors (Get-OutboundConnector -IncludeTestModeConnectors $true) or correct RouteMessageOutboundConnector")
		case !c.Enabled:
			add(CodeRuleConnectorDisabled, SeverityError, c.Name, RefConditionalRouting,
				rule+" routes to outbound connector '"+c.Name+"', which is disabled: the mail it matches has no connector to take; enable the connector or disable the rule")
		case !c.IsTransportRuleScoped:
			add(CodeRuleConnectorNotScoped, SeverityWarning, c.Name, RefNewOutbound,
				rule+" routes to outbound connector '"+c.Name+"', which is not IsTransportRuleScoped: it also carries mail by recipient domain; make it rule-scoped if only the rule should use it")
		}
	}
	if len(t.TransportRules) == 0 {
		return out // rules not given (not imported): nothing is known of their use
	}
	for c := range t.outboundConnectors() {
		if c.IsTransportRuleScoped && c.Enabled && !used[strings.ToLower(c.Name)] {
			add(CodeRuleScopedUnused, SeverityWarning, c.Name, RefNewOutbound, unusedMessage(t, c))
		}
	}
	return out
}

func unusedMessage(t *tenantRec, c *connector.Outbound) string {
	msg := "connector is IsTransportRuleScoped, and no enabled transport rule in Enforce mode names it in RouteMessageOutboundConnector: it never carries mail"
	for _, r := range t.TransportRules {
		if strings.EqualFold(r.RouteMessageOutboundConnector, c.Name) {
			msg += " (rule '" + r.Name + "' names it but is " + strings.ToLower(r.State.String())
			if r.State == RuleEnabled {
				msg += " in " + r.Mode.String() + " mode"
			}
			return msg + ")"
		}
	}
	return msg + "; add a rule with -RouteMessageOutboundConnector, or remove the connector"
}
