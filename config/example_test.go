package config_test

import (
	"fmt"

	"github.com/mailflow-go/mailflow/config"
	"github.com/mailflow-go/mailflow/domain"
)

func ExampleParse() {
	cfg, err := config.Parse([]byte(`
Tenants:
  - Id: contoso
    AcceptedDomains:
      - { DomainName: contoso.com }
    OutboundConnectors:
      - { Name: To on-premises, ConnectorType: OnPremises, AllAcceptedDomains: true, SmartHosts: [mail.contoso.com] }
`), "mailflow.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	out := cfg.Tenants[0].OutboundConnectors[0]
	fmt.Println(out.Name, out.ConnectorType, out.SmartHosts, "UseMXRecord:", out.UseMXRecord)

	dir := cfg.Directory() // built once, while loading
	table, _ := dir.OutboundTable("contoso")
	fmt.Println(table.Select(domain.MustParse("contoso.com")).Connector().Name)
	// Output:
	// To on-premises OnPremises [mail.contoso.com] UseMXRecord: false
	// To on-premises
}

func ExampleParse_errors() {
	_, err := config.Parse([]byte(`
Tenants:
  - Id: contoso
    OutboundConnectors:
      - Name: Connector 2
        ConnectorType: OnPremises
        RecipientDomain: [contoso.com]
        SmartHosts: [mail.contoso.com]
    InboundConnectors:
      - Name: From on-premises
        ConnectorType: OnPremises
        TlsSenderCertificateName: "*.com"
`), "mailflow.yaml")
	fmt.Println(err)
	// Output:
	// mailflow.yaml:7:9: Tenants[0].OutboundConnectors[0].RecipientDomain (tenant "contoso", connector "Connector 2"): unknown field "RecipientDomain" in an outbound connector (did you mean RecipientDomains?)
	// mailflow.yaml:12:35: Tenants[0].InboundConnectors[0].TlsSenderCertificateName (tenant "contoso", connector "From on-premises"): bad pattern "*.com": com is a public suffix; a wildcard over it would match other organisations' domains
}

func ExampleLoad() {
	cfg, err := config.Load("testdata/exo/config.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range cfg.Tenants[0].InboundConnectors {
		fmt.Printf("%s: %s %v\n", c.Name, c.ConnectorType, c.SenderDomains)
	}
	// Output:
	// From on-premises (certificate): OnPremises [*]
	// From on-premises (IP): OnPremises [*]
	// Partner test: Partner [test.domain.com]
}
