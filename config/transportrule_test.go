package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailflow-go/mailflow/attribution"
)

const rulesYAML = `Tenants:
  - Id: contoso
    AcceptedDomains:
      - { DomainName: contoso.com }
    OutboundConnectors:
      - { Name: Partner via TLS, IsTransportRuleScoped: true, SmartHosts: [mx.fabrikam.com] }
    TransportRules:
      - Name: Route to Partner
        Priority: 0
        State: Enabled
        Mode: Enforce
        RecipientDomainIs: [fabrikam.com]
        ExceptIfSentToMemberOf: [legal@contoso.com]
        RouteMessageOutboundConnector: Partner via TLS
`

func TestTransportRulesYAML(t *testing.T) {
	c, err := Parse([]byte(rulesYAML), "rules.yaml")
	require.NoError(t, err)
	ex, ok := c.Directory().ExplainRoute("contoso", attribution.Envelope{Recipient: attribution.ParseAddress("bob@fabrikam.com")})
	require.True(t, ok)
	assert.Contains(t, ex.Reason, "only if not ExceptIfSentToMemberOf legal@contoso.com")
}

func TestTransportRulesErrors(t *testing.T) {
	base := rulesYAML[:len(rulesYAML)-len("Partner via TLS\n")]
	_, err := Parse([]byte(base+"Nowhere\n"), "rules.yaml")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `Tenants[0].TransportRules[0].RouteMessageOutboundConnector (tenant "contoso"): rule "Route to Partner" routes to outbound connector "Nowhere", which the tenant does not have`)
	_, err = Parse([]byte(base+"Partner via TLS\n        SubjectContainsWords: [x]\n"), "rules.yaml")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unknown field "SubjectContainsWords" in a transport rule`)
}

func TestTransportRulesImport(t *testing.T) {
	c, err := Load("testdata/rules/config.yaml")
	require.NoError(t, err)
	rules := c.Tenants[0].TransportRules
	require.Len(t, rules, 3)
	assert.True(t, rules[0].Stored)
	assert.Equal(t, []string{"SubjectContains"}, rules[1].Conditions.Unmodelled, "a skipped condition stays a condition")
	assert.Equal(t, attribution.RuleDisabled, rules[2].State)
	ex, _ := c.Directory().ExplainRoute("contoso", attribution.Envelope{Recipient: attribution.ParseAddress("ann@contoso.com")})
	assert.Contains(t, ex.Reason, "only if SubjectContains (unknown: a condition that mailflow does not model): rule 'Invoices' (priority 1)")
	ex, _ = c.Directory().ExplainRoute("contoso", attribution.Envelope{Recipient: attribution.ParseAddress("bob@fabrikam.com")})
	require.NotNil(t, ex.Connector)
	assert.Equal(t, "Partner via TLS", ex.Connector.Name)
}

func TestOrganizationConfigImport(t *testing.T) {
	c, err := Load("testdata/org/config.yaml")
	require.NoError(t, err)
	assert.True(t, c.Tenants[0].RejectDirectSend)
	_, err = Load("testdata/org/disagree.yaml")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "org.json:1:")
	assert.Contains(t, err.Error(), "RejectDirectSend is true here but false at testdata/org/disagree.yaml:3:")
}
