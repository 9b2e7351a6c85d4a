package attribution_test

import (
	"fmt"
	"net/netip"

	"github.com/mailflow-go/mailflow/attribution"
	"github.com/mailflow-go/mailflow/certmatch"
	"github.com/mailflow-go/mailflow/connector"
	"github.com/mailflow-go/mailflow/domain"
)

// A hybrid tenant whose on-premises servers present a certificate for
// *.contoso.com, and a tenant identifying its server by IP only.
func exampleDirectory() *attribution.Directory {
	hybrid := connector.NewInbound("From on-premises")
	hybrid.ConnectorType = connector.OnPremises
	hybrid.TlsSenderCertificateName = domain.MustParsePattern("*.contoso.com")
	hybrid.RequireTls = true

	byIP := connector.NewInbound("Fourth Coffee server")
	byIP.ConnectorType = connector.OnPremises
	byIP.SenderIPAddresses = []netip.Prefix{netip.MustParsePrefix("203.0.113.10/32")}

	d, err := attribution.NewDirectory([]attribution.Tenant{
		{
			ID:                "contoso",
			AcceptedDomains:   []domain.AcceptedDomain{{Name: domain.MustParse("contoso.com")}},
			InboundConnectors: []connector.Inbound{hybrid},
		},
		{
			ID:                "fourthcoffee",
			AcceptedDomains:   []domain.AcceptedDomain{{Name: domain.MustParse("fourthcoffee.com")}},
			InboundConnectors: []connector.Inbound{byIP},
		},
	})
	if err != nil {
		panic(err)
	}
	return d
}

func ExampleDirectory_Attribute() {
	d := exampleDirectory()
	names, _ := certmatch.ParseNames("mail.contoso.com")
	s := &attribution.Session{
		ClientIP:    netip.MustParseAddr("198.51.100.5"),
		Port:        25,
		TLSVersion:  0x0304, // TLS 1.3
		Certificate: names,
		MailFrom:    attribution.ParseAddress("<>"), // an NDR
		RcptTo:      attribution.ParseAddresses("sun@internet.example"),
	}
	r := d.Attribute(s)
	fmt.Println(r.Tenant, r.ConnectorName(), r.Path, r.Basis)
	for _, rc := range r.Recipients {
		fmt.Println(rc.Address, rc.Disposition, rc.Reply)
	}

	// The same NDR from the server that only has an IP-based connector.
	s = &attribution.Session{
		ClientIP: netip.MustParseAddr("203.0.113.10"),
		Port:     25,
		MailFrom: attribution.ParseAddress("<>"),
		RcptTo:   attribution.ParseAddresses("sun@internet.example"),
	}
	r = d.Attribute(s)
	fmt.Println(r.Tenant, r.ConnectorName(), r.Path, r.Basis)
	for _, rc := range r.Recipients {
		fmt.Println(rc.Address, rc.Disposition, rc.Reply)
	}
	// Output:
	// contoso From on-premises on-premises-connector certificate
	// sun@internet.example relay 250 2.1.5 Recipient OK
	// fourthcoffee Fourth Coffee server on-premises-connector connector
	// sun@internet.example reject 550 5.7.64 Relay Access Denied ATTR36
}

func ExampleDirectory_Explain() {
	d := exampleDirectory()
	s := &attribution.Session{
		ClientIP: netip.MustParseAddr("198.51.100.77"),
		Port:     25,
		MailFrom: attribution.ParseAddress("printer@contoso.com"),
		RcptTo:   attribution.ParseAddresses("sun@internet.example"),
	}
	for _, step := range d.Explain(s).Steps {
		fmt.Println(step)
	}
	// Output:
	// no inbound connector matches IP 198.51.100.77 (no certificate presented)
	// not attributed through an OnPremises connector: each recipient is judged by the tenant owning its domain
	// recipient sun@internet.example: reject (no tenant accepts the recipient domain; MAIL FROM claims a tenant none of whose connectors matched the session): 550 5.7.64 TenantAttribution; Relay Access Denied
}

func ExampleHolder() {
	h := attribution.NewHolder(exampleDirectory())
	// Readers: h.Load().Attribute(session), from any goroutine.
	// A writer rebuilds and swaps; readers never block.
	h.Store(exampleDirectory())
	fmt.Println(h.Load().Len(), "tenants")
	// Output: 2 tenants
}

func ExampleDirectory_ExplainRoute() {
	partner := connector.NewOutbound("Partner via TLS")
	partner.IsTransportRuleScoped = true
	partner.UseMXRecord = false
	partner.SmartHosts = []connector.SmartHost{connector.MustParseSmartHost("mx.fabrikam.com")}
	d, err := attribution.NewDirectory([]attribution.Tenant{{
		ID:                 "contoso",
		AcceptedDomains:    []domain.AcceptedDomain{{Name: domain.MustParse("contoso.com")}},
		OutboundConnectors: []connector.Outbound{partner},
		TransportRules: []attribution.TransportRule{{
			Name: "Route to Partner", Priority: 0, RouteMessageOutboundConnector: "Partner via TLS",
			Conditions: attribution.Predicates{RecipientDomainIs: []domain.Name{domain.MustParse("fabrikam.com")}},
		}},
	}})
	if err != nil {
		panic(err)
	}
	ex, _ := d.ExplainRoute("contoso", attribution.Envelope{Recipient: attribution.ParseAddress("bob@fabrikam.com")})
	fmt.Println(ex.Connector.Name)
	// Output: Partner via TLS
}
