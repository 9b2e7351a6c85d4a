package attribution

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailflow-go/mailflow/connector"
	"github.com/mailflow-go/mailflow/domain"
)

// ruleTenant is the conditional-routing design (EXODOC "Scenario:
// Conditional mail routing"): a rule-scoped Partner connector chosen by a
// rule, next to the tenant's own domain connectors.
func ruleTenant(rules ...TransportRule) Tenant {
	t := cleanTenant("contoso", "contoso.com")
	p := connector.NewOutbound("Partner via TLS")
	p.IsTransportRuleScoped = true
	p.UseMXRecord = false
	p.SmartHosts = smartHosts("mx.fabrikam.com")
	t.OutboundConnectors = append(t.OutboundConnectors, p)
	t.TransportRules = rules
	return t
}

func toPartner(name string, prio int) TransportRule {
	return TransportRule{Name: name, Priority: prio, RouteMessageOutboundConnector: "Partner via TLS",
		Conditions: Predicates{RecipientDomainIs: []domain.Name{domain.MustParse("fabrikam.com")}}}
}

func TestExplainRoute(t *testing.T) {
	group := toPartner("Sales", 0)
	group.Conditions = Predicates{SentToMemberOf: []string{"sales@contoso.com"}}
	audit := toPartner("Audit", 2)
	audit.Mode = ModeAudit
	header := toPartner("Header", 0)
	header.Exceptions = Predicates{HeaderContainsMessageHeader: "X-Sig-Applied", HeaderContainsWords: []string{"yes"}}
	ip := toPartner("IP", 0)
	ip.Conditions = Predicates{SenderIpRanges: []connector.IPRange{mustRange("192.0.2.0/24")}}
	tests := []struct {
		name    string
		rules   []TransportRule
		env     Envelope
		want    string // connector chosen for certain, "" when none is certain
		decided int
		reason  string
	}{
		{"domain match routes through the rule's connector", []TransportRule{toPartner("Route to Partner", 0)},
			Envelope{Recipient: ParseAddress("bob@fabrikam.com")}, "Partner via TLS", 0,
			"rule 'Route to Partner' (priority 0): RecipientDomainIs fabrikam.com → connector 'Partner via TLS' (overrides the recipient-domain choice: no connector"},
		{"subdomain matches too", []TransportRule{toPartner("Route to Partner", 0)},
			Envelope{Recipient: ParseAddress("bob@eu.fabrikam.com")}, "Partner via TLS", 0, "RecipientDomainIs fabrikam.com"},
		{"other domain: the domain choice", []TransportRule{toPartner("Route to Partner", 0)},
			Envelope{Recipient: ParseAddress("ann@contoso.com")}, "To contoso on-premises", -1, "To contoso on-premises: exact match contoso.com"},
		{"group: only if", []TransportRule{group},
			Envelope{Recipient: ParseAddress("ann@contoso.com")}, "", -1, "only if SentToMemberOf sales@contoso.com (unknown: group membership"},
		{"audit mode routes nothing", []TransportRule{audit},
			Envelope{Recipient: ParseAddress("bob@fabrikam.com")}, "", -1, "no connector"},
		{"header exception: unless", []TransportRule{header},
			Envelope{Recipient: ParseAddress("bob@fabrikam.com")}, "", -1, "only if not ExceptIfHeaderContainsWords X-Sig-Applied: yes"},
		{"client IP in range", []TransportRule{ip},
			Envelope{Recipient: ParseAddress("bob@fabrikam.com"), ClientIP: netip.MustParseAddr("192.0.2.7")}, "Partner via TLS", 0, "SenderIpRanges 192.0.2.0/24"},
		{"client IP out of range", []TransportRule{ip},
			Envelope{Recipient: ParseAddress("bob@fabrikam.com"), ClientIP: netip.MustParseAddr("198.51.100.1")}, "", -1, "no connector"},
		{"no client IP: unknown", []TransportRule{ip},
			Envelope{Recipient: ParseAddress("bob@fabrikam.com")}, "", -1, "no client IP given"},
		{"first by priority wins", []TransportRule{toPartner("Second", 5), toPartner("First", 1)},
			Envelope{Recipient: ParseAddress("bob@fabrikam.com")}, "Partner via TLS", 0, "rule 'First' (priority 1)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := mustDirectory(t, ruleTenant(tc.rules...))
			ex, ok := d.ExplainRoute("contoso", tc.env)
			require.True(t, ok)
			assert.Equal(t, tc.decided, ex.Decided)
			if tc.want == "" {
				if tc.decided < 0 && len(ex.Rules) > 0 {
					assert.Nil(t, ex.Connector)
				}
			} else {
				require.NotNil(t, ex.Connector)
				assert.Equal(t, tc.want, ex.Connector.Name)
			}
			assert.Contains(t, ex.Reason, tc.reason)
		})
	}
}

func mustRange(s string) connector.IPRange {
	r, err := connector.ParseIPRange(s)
	if err != nil {
		panic(err)
	}
	return r
}

func TestTransportRuleValidation(t *testing.T) {
	missing := toPartner("Missing", 0)
	missing.RouteMessageOutboundConnector = "Nowhere"
	notScoped := toPartner("Not scoped", 1)
	notScoped.RouteMessageOutboundConnector = "To contoso on-premises"
	dup := toPartner("missing", 1)
	_, err := NewDirectory([]Tenant{ruleTenant(missing, notScoped, dup)})
	require.Error(t, err)
	msg := err.Error()
	for _, want := range []string{
		`TransportRules[0].RouteMessageOutboundConnector: rule "Missing" routes to outbound connector "Nowhere", which the tenant does not have`,
		`TransportRules[1].RouteMessageOutboundConnector: rule "Not scoped" routes to outbound connector "To contoso on-premises" (OutboundConnectors[0]), which is not IsTransportRuleScoped`,
		`TransportRules[2].Name: duplicate transport rule name`,
		`TransportRules[2].Priority: priority 1 is already the priority of TransportRules[1]`,
	} {
		assert.Contains(t, msg, want)
	}
	// The same records stored by the service load; lint reports them.
	missing.Stored, notScoped.Stored = true, true
	d := mustDirectory(t, ruleTenant(missing, notScoped))
	got := codes(Lint(d))
	assert.Contains(t, got, CodeRuleConnectorMissing)
	assert.Contains(t, got, CodeRuleConnectorNotScoped)
	assert.Contains(t, got, CodeRuleScopedUnused) // "Partner via TLS" is named by no rule
}

func TestLintTransportRules(t *testing.T) {
	audit := toPartner("Audit", 0)
	audit.Mode = ModeAudit
	assert.NotContains(t, codes(Lint(mustDirectory(t, ruleTenant(toPartner("Route", 0))))), CodeRuleScopedUnused, "the clean design")
	got := Lint(mustDirectory(t, ruleTenant(audit)))
	assert.Contains(t, codes(got), CodeRuleAuditRouting)
	assert.Contains(t, codes(got), CodeRuleScopedUnused)
	ten := ruleTenant(toPartner("Route", 0))
	ten.OutboundConnectors[1].Enabled = false
	assert.Contains(t, codes(Lint(mustDirectory(t, ten))), CodeRuleConnectorDisabled)
}

func FuzzParseAddressPattern(f *testing.F) {
	for _, s := range []string{`^sales@`, `\d{3}@contoso\.com$`, `(a|b)+`, `[`, "", strings.Repeat("(", 600)} {
		f.Add(s, "john@contoso.com")
	}
	f.Fuzz(func(t *testing.T, pat, addr string) {
		p, err := ParseAddressPattern(pat)
		if err != nil {
			return
		}
		if p.String() != pat {
			t.Fatalf("String() = %q, want %q", p.String(), pat)
		}
		p.Match(addr) // linear time in RE2: never slow
	})
}
