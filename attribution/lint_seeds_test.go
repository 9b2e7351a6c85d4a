package attribution

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/mailflow-go/mailflow/connector"
)

// TestLintSeedDesigns runs Lint on each design the seed articles
// (/work/shared/seeds) document and expects no warning and no error from
// any finding, existing or new: a finding that fires on a documented
// design is a false positive. Infos are allowed: they say nothing breaks.
func TestLintSeedDesigns(t *testing.T) {
	partnerOut := func(name string, hosts []string, domains ...string) connector.Outbound {
		o := connector.NewOutbound(name)
		o.RecipientDomains = patterns(domains...)
		if len(hosts) > 0 {
			o.UseMXRecord, o.SmartHosts = false, smartHosts(hosts...)
		}
		o.TlsSettings = connector.CertificateValidation
		return o
	}
	relayByCert := func(name, cert string) connector.Inbound {
		c := onPremByCert(name, cert)
		c.SenderDomains = patterns("*")
		return c
	}
	tests := []struct {
		name string
		seed string // the article it comes from
		t    Tenant
		// allowed are the warnings the design is documented to show
		// (the worked example exists to show the precedence question).
		allowed []string
		opts    []connector.Option
	}{
		{"hybrid, all accepted domains, certificate", "000 (Set up connectors to route mail between Microsoft 365 and your own email servers: Part 1 and 2, certificate)", Tenant{
			ID: "contoso", AcceptedDomains: accepted("contoso.com", "contoso.onmicrosoft.com"),
			InboundConnectors:  []connector.Inbound{onPremByCert("From on-premises", "*.contoso.com")},
			OutboundConnectors: []connector.Outbound{onPremOutbound("To on-premises", true)},
		}, nil, nil},
		{"hybrid, by domain names", "000 (Decide whether you want to use mail flow rules or domain names: domain names)", Tenant{
			ID: "contoso", AcceptedDomains: accepted("contoso.com", "sales.contoso.com"),
			InboundConnectors:  []connector.Inbound{onPremByCert("From on-premises", "*.contoso.com")},
			OutboundConnectors: []connector.Outbound{onPremOutbound("To on-premises", false, "contoso.com", "*.contoso.com")},
		}, nil, nil},
		{"hybrid, by mail flow rules", "000 (Decide whether you want to use mail flow rules or domain names: mail flow rules)", Tenant{
			ID: "contoso", AcceptedDomains: accepted("contoso.com"),
			InboundConnectors: []connector.Inbound{onPremByCert("From on-premises", "*.contoso.com")},
			OutboundConnectors: []connector.Outbound{func() connector.Outbound {
				o := onPremOutbound("To on-premises", false)
				o.IsTransportRuleScoped = true
				return o
			}()},
			TransportRules: []TransportRule{{Name: "Sites", State: RuleEnabled, Mode: ModeEnforce, RouteMessageOutboundConnector: "To on-premises"}},
		}, nil, nil},
		{"the worked example, most-specific", "000 (Example of how Microsoft 365 applies multiple connectors; only the finding the example exists to show: precedence-sensitive)", Tenant{
			ID: "contoso", AcceptedDomains: accepted("contoso.com", "sales.contoso.com", "fabrikam.com", "contoso.onmicrosoft.com"),
			InboundConnectors: []connector.Inbound{onPremByCert("From on-premises", "*.contoso.com")},
			OutboundConnectors: []connector.Outbound{
				onPremOutbound("Connector 1", true), onPremOutbound("Connector 2", false, "contoso.com"), onPremOutbound("Connector 3", false, "*.contoso.com"),
			},
		}, []string{CodePrecedenceSensitive}, nil},
		{"the worked example, listed-order", "000 (the same, under the list's order)", Tenant{
			ID: "contoso", AcceptedDomains: accepted("contoso.com", "sales.contoso.com", "fabrikam.com", "contoso.onmicrosoft.com"),
			InboundConnectors: []connector.Inbound{onPremByCert("From on-premises", "*.contoso.com")},
			OutboundConnectors: []connector.Outbound{
				onPremOutbound("Connector 1", true), onPremOutbound("Connector 2", false, "contoso.com"), onPremOutbound("Connector 3", false, "*.contoso.com"),
			},
		}, []string{CodePrecedenceSensitive}, []connector.Option{connector.WithPrecedence(connector.ListedOrder)}},
		{"EOP in front of your own servers", "004 (Configurer des connecteurs … Exchange Online Protection: both connectors)", Tenant{
			ID: "contoso", AcceptedDomains: accepted("contoso.com"),
			InboundConnectors:  []connector.Inbound{onPremByCert("From on-premises", "*.contoso.com")},
			OutboundConnectors: []connector.Outbound{onPremOutbound("To on-premises", false, "contoso.com")},
		}, nil, nil},
		{"certificate-based relay through Microsoft 365", "001 (Configure a certificate-based connector to relay email messages through Microsoft 365)", Tenant{
			ID: "contoso", AcceptedDomains: accepted("contoso.com"),
			InboundConnectors: []connector.Inbound{relayByCert("Relay by certificate", "*.contoso.com")},
		}, nil, nil},
		{"device relay by certificate", "002 (Option 3: configure a TLS certificate-based connector for SMTP relay)", Tenant{
			ID: "contoso", AcceptedDomains: accepted("contoso.com"),
			InboundConnectors: []connector.Inbound{relayByCert("Devices by certificate", "*.contoso.com")},
		}, nil, nil},
		{"device relay by IP", "002 (Option 3: configure an IP address-based connector for SMTP relay)", Tenant{
			ID: "contoso", AcceptedDomains: accepted("contoso.com"),
			InboundConnectors: []connector.Inbound{onPremByIP("Scanner relay", "203.0.113.25")},
		}, nil, nil},
		{"add-on service with a unique certificate", "003 (MC1226222: third-party add-on service, certificate in an accepted domain)", Tenant{
			ID: "contoso", AcceptedDomains: accepted("contoso.com"),
			InboundConnectors: []connector.Inbound{relayByCert("CRM service", "crm.contoso.com")},
		}, nil, nil},
		{"hybrid with a partner organisation", "000 (links Set up connectors for secure mail flow with a partner organization: the partner's domains to its smart host)", Tenant{
			ID: "contoso", AcceptedDomains: accepted("contoso.com", "fabrikam.com"),
			InboundConnectors: []connector.Inbound{onPremByCert("From on-premises", "*.contoso.com")},
			OutboundConnectors: []connector.Outbound{
				onPremOutbound("To on-premises", true),
				partnerOut("To Woodgrove", []string{"mx.woodgrovebank.com"}, "woodgrovebank.com", "*.woodgrovebank.com"),
			},
		}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := NewDirectory([]Tenant{tt.t}, tt.opts...)
			if !assert.NoError(t, err, "seed %s", tt.seed) {
				return
			}
			for _, f := range Lint(d) {
				if f.Severity == SeverityInfo || slices.Contains(tt.allowed, f.Code) {
					continue
				}
				t.Errorf("seed %s: the documented design has a %s finding: %v", tt.seed, f.Severity, f)
			}
		})
	}
}

// TestLintSeedTenantsCertificateEach: MC1226222's fix for one server
// feeding several tenants, a unique certificate per tenant in its own
// accepted domain, has no warning or error (seed 003).
func TestLintSeedTenantsCertificateEach(t *testing.T) {
	d := mustDirectory(t, cleanTenant("contoso", "contoso.com"), cleanTenant("fabrikam", "fabrikam.com"), cleanTenant("northwind", "northwind.com"))
	for _, f := range Lint(d) {
		assert.Equal(t, SeverityInfo, f.Severity, "%v", f)
	}
}
