package attribution

import (
	"github.com/mailflow-go/mailflow/connector"
)

// CodeStoredStateViolatesWriteRule: a connector read from what the service
// stores (connector.Outbound.Stored, connector.Inbound.Stored) breaks a
// rule that New-/Set-*Connector enforce on new input
// (connector.KindWrite). NewDirectory loads it, since the service holds
// it and routes with it; the finding names the rule, because the next
// Set-*Connector on the connector will be refused until it is fixed.
const CodeStoredStateViolatesWriteRule = "stored-state-violates-write-rule"

// RefFactsWriteRules is where the write rules are listed.
const RefFactsWriteRules = "facts §1.2 (outbound), §2.2 (inbound): rules New-/Set-*Connector enforce on new input"

// lintStored reports the write rules that tenant ti's stored connectors
// break. The rules are the connector package's Validate and tenantRules,
// the same functions NewDirectory enforces on hand-written connectors.
func (d *Directory) lintStored(ti int32) []Finding {
	rec := d.rec(ti)
	if !rec.hasStored() {
		return nil // nothing read from the service: every write rule held at NewDirectory
	}
	var out []Finding
	add := func(conn, section, field, msg string) {
		out = append(out, Finding{
			Code: CodeStoredStateViolatesWriteRule, Severity: SeverityWarning, Tenant: rec.ID, Connector: conn,
			Message: field + ": " + msg + " (facts " + section + ", service-enforced at write: the service stores it, " +
				"but the next Set-*Connector on this connector will be refused until it is fixed)",
			Reference: RefFactsWriteRules,
		})
	}
	report := func(stored bool, section string, err error) {
		if !stored || err == nil {
			return
		}
		for _, e := range err.(connector.ErrorList) {
			if ve := e.(*connector.ValidationError); ve.Kind == connector.KindWrite {
				add(ve.Connector, section, ve.Field, ve.Msg)
			}
		}
	}
	t := rec.Tenant
	t.OutboundConnectors = nil
	for c := range rec.outboundConnectors() {
		t.OutboundConnectors = append(t.OutboundConnectors, *c)
		report(c.Stored, "§1.2", c.Validate())
	}
	for i := range t.InboundConnectors {
		c := &t.InboundConnectors[i]
		report(c.Stored, "§2.2", c.Validate())
	}
	for _, v := range tenantRules(&t) {
		if v.stored {
			add(v.conn, v.section, v.field, v.msg)
		}
	}
	return out
}

// hasStored reports whether any of the tenant's connectors is Stored.
// Lint skips lintStored's copies and revalidation for the others, which
// NewDirectory has already held to every rule (benchmarks/RESULTS.md,
// "Lint (hand-run)").
func (t *tenantRec) hasStored() bool {
	for i := range t.InboundConnectors {
		if t.InboundConnectors[i].Stored {
			return true
		}
	}
	for c := range t.outboundConnectors() {
		if c.Stored {
			return true
		}
	}
	return false
}
