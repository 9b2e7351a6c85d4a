package config

import (
	"strings"
	"testing"

	"github.com/mailflow-go/mailflow/attribution"
)

// TestStoredState: records from an export load where a write rule (facts
// §1.2, §2.2) is broken, and Lint names the record and the rule; the same
// values written by hand (the same JSON, as a YAML flow mapping) are
// refused with that rule.
func TestStoredState(t *testing.T) {
	tests := []struct {
		name, list, record string
		field              string // the rule's field, in the finding and the error
		section            string
	}{
		{"star on OnPremises without RouteAllMessagesViaOnPremises", "OutboundConnectors",
			`{"Name": "Star", "ConnectorType": "OnPremises", "UseMXRecord": false, "SmartHosts": ["mail.contoso.com"], "RecipientDomains": ["*"]}`,
			"RecipientDomains[0]", "§1.2"},
		{"CloudServicesMailEnabled on a Partner outbound connector", "OutboundConnectors",
			`{"Name": "To partner", "ConnectorType": "Partner", "RecipientDomains": ["p.example"], "CloudServicesMailEnabled": true}`,
			"CloudServicesMailEnabled", "§1.2"},
		{"CloudServicesMailEnabled on a Partner inbound connector", "InboundConnectors",
			`{"Name": "From partner", "ConnectorType": "Partner", "SenderDomains": ["smtp:p.example;1"], "CloudServicesMailEnabled": true}`,
			"CloudServicesMailEnabled", "§2.2"},
		{"OnPremises inbound connector that identifies no sender", "InboundConnectors",
			`{"Name": "Hybrid", "ConnectorType": "OnPremises", "SenderDomains": ["smtp:*;1"]}`,
			"SenderIPAddresses", "§2.2"},
		{"UseMXRecord with SmartHosts", "OutboundConnectors",
			`{"Name": "Both", "RecipientDomains": ["p.example"], "UseMXRecord": true, "SmartHosts": ["mail.p.example"]}`,
			"SmartHosts", "§1.2"},
		{"RouteAllMessagesViaOnPremises without an OnPremises inbound connector (a tenant rule)", "OutboundConnectors",
			`{"Name": "Central", "ConnectorType": "OnPremises", "UseMXRecord": false, "SmartHosts": ["mail.contoso.com"], "RecipientDomains": ["*"], "RouteAllMessagesViaOnPremises": true}`,
			"OutboundConnectors[0].RouteAllMessagesViaOnPremises", "§1.2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			name := tc.record[len(`{"Name": "`):]
			name = name[:strings.IndexByte(name, '"')]

			c, err := parseWith(importConfig(tc.list), map[string][]byte{"dir/x.json": []byte("[" + tc.record + "]")})
			if err != nil {
				t.Fatalf("the export does not load:\n%v", err)
			}
			var found bool
			for _, f := range attribution.Lint(c.Directory()) {
				if f.Code != attribution.CodeStoredStateViolatesWriteRule {
					continue
				}
				found = true
				if f.Tenant != "a" || f.Connector != name || !strings.Contains(f.Message, tc.field) || !strings.Contains(f.Message, "facts "+tc.section) {
					t.Errorf("finding %v: want tenant a, connector %q, field %s, facts %s", f, name, tc.field, tc.section)
				}
			}
			if !found {
				t.Errorf("no %s finding", attribution.CodeStoredStateViolatesWriteRule)
			}

			text := "Tenants:\n  - Id: a\n    " + tc.list + ": [" + tc.record + "]\n"
			if _, err := parseWith(text, nil); err == nil || !strings.Contains(err.Error(), tc.field) {
				t.Errorf("the same record written by hand: err = %v, want the rule on %s", err, tc.field)
			}
		})
	}
}
