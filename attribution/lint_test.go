package attribution

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailflow-go/mailflow/connector"
	"github.com/mailflow-go/mailflow/domain"
)

// cleanTenant is a hybrid tenant configured the way the guidance asks:
// a certificate in its own accepted domain, both directions, one connector
// per domain.
func cleanTenant(id, dom string) Tenant {
	out := connector.NewOutbound("To " + id + " on-premises")
	out.ConnectorType = connector.OnPremises
	out.UseMXRecord = false
	out.SmartHosts = smartHosts("mail." + dom)
	out.RecipientDomains = patterns(dom, "*."+dom)
	return Tenant{
		ID:                 id,
		AcceptedDomains:    accepted(dom),
		InboundConnectors:  []connector.Inbound{onPremByCert("From "+id+" on-premises", "*."+dom)},
		OutboundConnectors: []connector.Outbound{out},
	}
}

func codes(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Code)
	}
	return out
}

func TestLintClean(t *testing.T) {
	d := mustDirectory(t, cleanTenant("contoso", "contoso.com"), cleanTenant("fabrikam", "fabrikam.com"))
	assert.Empty(t, Lint(d), "a configuration that follows the guidance has no findings")
	fs, ok := LintTenant(d, "contoso")
	assert.True(t, ok)
	assert.Empty(t, fs)
	_, ok = LintTenant(d, "nobody")
	assert.False(t, ok)
}

func TestLintFindings(t *testing.T) {
	tests := []struct {
		code      string
		severity  Severity
		tenant    string
		connector string
		mutate    func(ts []Tenant) // applied to two clean tenants, contoso and fabrikam
	}{
		{CodeCertDomainNotAccepted, SeverityError, "contoso", "From contoso on-premises", func(ts []Tenant) {
			// The relay provider's certificate, not in contoso's domains.
			ts[0].InboundConnectors[0].TlsSenderCertificateName = domain.MustParsePattern("*.relay-provider.example")
		}},
		{CodeCertDomainOfOtherTenant, SeverityError, "contoso", "From contoso on-premises", func(ts []Tenant) {
			// A certificate only fabrikam can prove (issue 12).
			ts[0].InboundConnectors[0].TlsSenderCertificateName = domain.MustParsePattern("mail.fabrikam.com")
			ts[1].InboundConnectors, ts[1].OutboundConnectors = nil, nil // no shared certificate
		}},
		{CodeSenderDomainOfOtherTenant, SeverityWarning, "contoso", "From contoso on-premises", func(ts []Tenant) {
			// contoso's servers claim to send as fabrikam.
			ts[0].InboundConnectors[0].SenderDomains = patterns("contoso.com", "*.fabrikam.com")
		}},
		{CodeHostnameCertificateName, SeverityInfo, "contoso", "From contoso on-premises", func(ts []Tenant) {
			ts[0].InboundConnectors[0].TlsSenderCertificateName = domain.MustParsePattern("mail.contoso.com")
		}},
		{CodeSharedCertificate, SeverityWarning, "contoso", "From contoso on-premises", func(ts []Tenant) {
			ts[0].InboundConnectors[0].TlsSenderCertificateName = domain.MustParsePattern("*.fabrikam.com")
		}},
		{CodeIPBasedOnPremises, SeverityWarning, "contoso", "Contoso IP", func(ts []Tenant) {
			ts[0].InboundConnectors[0] = onPremByIP("Contoso IP", "203.0.113.10")
		}},
		{CodeSharedSenderIP, SeverityWarning, "fabrikam", "Fabrikam IP", func(ts []Tenant) {
			ts[0].InboundConnectors = append(ts[0].InboundConnectors, onPremByIP("Contoso IP", "203.0.113.0/24"))
			ts[1].InboundConnectors = append(ts[1].InboundConnectors, onPremByIP("Fabrikam IP", "203.0.113.10"))
		}},
		{CodePrivateSenderIP, SeverityWarning, "contoso", "Contoso IP", func(ts []Tenant) {
			c := onPremByIP("Contoso IP", "10.1.2.3")
			c.TlsSenderCertificateName, c.RequireTls = domain.MustParsePattern("*.contoso.com"), true
			ts[0].InboundConnectors[0] = c
		}},
		{CodeOneWayHybrid, SeverityWarning, "contoso", "", func(ts []Tenant) {
			// The Hybrid Configuration Wizard's connector shows mailboxes
			// on-premises; with no route to them, hybrid is one-way.
			ts[0].InboundConnectors[0].ConnectorSource = connector.SourceHybridWizard
			ts[0].OutboundConnectors = nil
		}},
		{CodePrecedenceSensitive, SeverityWarning, "contoso", "Connector 3", func(ts []Tenant) {
			// The seed's worked example: sales.contoso.com goes to
			// Connector 3 or Connector 1 depending on the order.
			ts[0].AcceptedDomains = accepted("contoso.com", "sales.contoso.com", "contoso.onmicrosoft.com")
			ts[0].OutboundConnectors = contoso().OutboundConnectors
		}},
		{CodeNotPortable, SeverityInfo, "contoso", "Contoso IP", func(ts []Tenant) {
			c := onPremByIP("Contoso IP", "2001:db8::/48")
			c.TlsSenderCertificateName, c.RequireTls = domain.MustParsePattern("*.contoso.com"), true
			ts[0].InboundConnectors[0] = c
		}},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			ts := []Tenant{cleanTenant("contoso", "contoso.com"), cleanTenant("fabrikam", "fabrikam.com")}
			tt.mutate(ts)
			d := mustDirectory(t, ts...)
			fs := Lint(d)
			var found *Finding
			for i := range fs {
				if fs[i].Code == tt.code && fs[i].Tenant == tt.tenant && fs[i].Connector == tt.connector {
					found = &fs[i]
				}
			}
			require.NotNil(t, found, "want %s for %s/%s, got %v", tt.code, tt.tenant, tt.connector, fs)
			assert.Equal(t, tt.severity, found.Severity)
			assert.NotEmpty(t, found.Message)
			assert.NotEmpty(t, found.Reference)
			for _, f := range fs {
				// A certificate pattern two tenants share lies outside one
				// tenant's accepted domains at least, since accepted domains
				// are unique: shared-certificate implies
				// cert-domain-not-accepted or cert-domain-of-other-tenant;
				// a host name pattern is hostname-certificate-name.
				assert.Contains(t, []string{tt.code, CodeIPBasedOnPremises, CodeNotPortable, CodePrivateSenderIP, CodeCertDomainNotAccepted, CodeCertDomainOfOtherTenant, CodeHostnameCertificateName}, f.Code,
					"only the finding under test (and what the same change implies) appears: %v", f)
			}
			own, _ := LintTenant(d, tt.tenant)
			assert.Contains(t, codes(own), tt.code, "LintTenant reports it too")
		})
	}
}

func TestLintSummary(t *testing.T) {
	fs := []Finding{{Severity: SeverityError}, {Severity: SeverityWarning}, {Severity: SeverityWarning}}
	assert.Equal(t, "1 error, 2 warnings, 0 info", Summary(fs))
}

func ExampleLint() {
	relay := cleanTenant("northwind", "northwind.com")
	relay.InboundConnectors[0].TlsSenderCertificateName = domain.MustParsePattern("*.relay-provider.example")
	d, err := NewDirectory([]Tenant{relay})
	if err != nil {
		panic(err)
	}
	for _, f := range Lint(d) {
		fmt.Println(f.Severity, f.Code, f.Connector)
	}
	// Output:
	// error cert-domain-not-accepted From northwind on-premises
}

// A Partner connector to one partner's smart host with RecipientDomains
// *: all internet mail goes there, and so does the tenant's own domain.
func ExampleLint_catchAll() {
	t := Tenant{ID: "contoso", AcceptedDomains: accepted("contoso.com")}
	out := connector.NewOutbound("To Woodgrove")
	out.RecipientDomains = patterns("*")
	out.UseMXRecord, out.SmartHosts = false, smartHosts("mx.woodgrovebank.com")
	t.OutboundConnectors = []connector.Outbound{out}
	d, err := NewDirectory([]Tenant{t})
	if err != nil {
		panic(err)
	}
	for _, f := range Lint(d) {
		fmt.Println(f.Severity, f.Code, f.Connector)
	}
	// Output:
	// warning catch-all-shadows-accepted-domain To Woodgrove
	// warning catch-all-to-partner To Woodgrove
}
