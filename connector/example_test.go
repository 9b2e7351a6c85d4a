package connector_test

import (
	"errors"
	"fmt"
	"strings"

	"github.com/mailflow-go/mailflow/connector"
	"github.com/mailflow-go/mailflow/domain"
)

// workedExample is the configuration of Microsoft's "What happens when I
// have multiple connectors for the same scenario?" example.
func workedExample() ([]connector.Outbound, []domain.AcceptedDomain) {
	onPremises := func(name string) connector.Outbound {
		c := connector.NewOutbound(name)
		c.ConnectorType = connector.OnPremises
		c.UseMXRecord = false
		c.SmartHosts = []connector.SmartHost{connector.MustParseSmartHost("mail.contoso.com")}
		return c
	}
	c1 := onPremises("Connector 1")
	c1.AllAcceptedDomains = true
	c2 := onPremises("Connector 2")
	c2.RecipientDomains = []domain.Pattern{domain.MustParsePattern("contoso.com")}
	c3 := onPremises("Connector 3")
	c3.RecipientDomains = []domain.Pattern{domain.MustParsePattern("*.contoso.com")}

	var accepted []domain.AcceptedDomain
	for _, d := range []string{"contoso.com", "sales.contoso.com", "fabrikam.com", "contoso.onmicrosoft.com"} {
		accepted = append(accepted, domain.AcceptedDomain{Name: domain.MustParse(d), Type: domain.Authoritative})
	}
	return []connector.Outbound{c1, c2, c3}, accepted
}

// The worked example under both policies: most-specific (the default)
// reproduces the article's answers; listed-order sends sales.contoso.com,
// an accepted domain, to the all-accepted-domains connector instead.
func ExampleTable_Select() {
	conns, accepted := workedExample()
	for _, p := range []connector.Precedence{connector.MostSpecific, connector.ListedOrder} {
		table, err := connector.NewTable(conns, accepted, connector.WithPrecedence(p))
		if err != nil {
			panic(err)
		}
		for _, rcpt := range []string{
			"john@fabrikam.com",
			"john@contoso.com",
			"john@sales.contoso.com",
			"john@contoso.onmicrosoft.com",
			"john@mail.contoso.com",
			"john@gmail.com",
		} {
			s, err := table.SelectAddress(rcpt)
			if err != nil {
				panic(err)
			}
			name := "-"
			if s.Connector() != nil {
				name = s.Connector().Name
			}
			line := fmt.Sprintf("%-13s  %-28s  %-11s  %-12s  %s", p, rcpt, name, s.Rule(), s.Pattern())
			fmt.Println(strings.TrimSpace(line))
		}
	}
	// Output:
	// most-specific  john@fabrikam.com             Connector 1  all-accepted  fabrikam.com
	// most-specific  john@contoso.com              Connector 2  exact         contoso.com
	// most-specific  john@sales.contoso.com        Connector 3  wildcard      *.contoso.com
	// most-specific  john@contoso.onmicrosoft.com  Connector 1  all-accepted  contoso.onmicrosoft.com
	// most-specific  john@mail.contoso.com         Connector 3  wildcard      *.contoso.com
	// most-specific  john@gmail.com                -            none
	// listed-order   john@fabrikam.com             Connector 1  all-accepted  fabrikam.com
	// listed-order   john@contoso.com              Connector 2  exact         contoso.com
	// listed-order   john@sales.contoso.com        Connector 1  all-accepted  sales.contoso.com
	// listed-order   john@contoso.onmicrosoft.com  Connector 1  all-accepted  contoso.onmicrosoft.com
	// listed-order   john@mail.contoso.com         Connector 3  wildcard      *.contoso.com
	// listed-order   john@gmail.com                -            none
}

func ExampleTable_Explain() {
	conns, accepted := workedExample()
	table, err := connector.NewTable(conns, accepted)
	if err != nil {
		panic(err)
	}
	ex := table.Explain(domain.MustParse("sales.contoso.com"))
	fmt.Println(ex.Reason)
	for _, c := range ex.Candidates {
		line := fmt.Sprintf("%-11s  %-12s  %-17s  %s", c.Connector.Name, c.Rule, c.Pattern, c.Why)
		fmt.Println("  " + strings.TrimSpace(line))
	}
	fmt.Println(table.Explain(domain.MustParse("contoso.com")).Reason)
	// Output:
	// Connector 3: wildcard *.contoso.com is the most specific match; Connector 1 (all accepted domains) lost under most-specific precedence
	//   Connector 3  wildcard      *.contoso.com
	//   Connector 1  all-accepted  sales.contoso.com  wildcard *.contoso.com beats all accepted domains under most-specific precedence
	// Connector 2: exact match contoso.com; Connector 3 (wildcard *.contoso.com) lost, Connector 1 (all accepted domains) lost
}

func ExampleTable_Disagreements() {
	conns, accepted := workedExample()
	table, err := connector.NewTable(conns, accepted)
	if err != nil {
		panic(err)
	}
	for _, d := range table.Disagreements() {
		fmt.Printf("%s: most-specific %s, listed-order %s\n", d.Pattern, d.MostSpecific, d.ListedOrder)
	}
	// Output:
	// sales.contoso.com: most-specific Connector 3 (wildcard *.contoso.com), listed-order Connector 1 (all-accepted sales.contoso.com)
}

// Every broken rule is reported at once, each naming the connector and the
// field.
func ExampleOutbound_Validate() {
	c := connector.NewOutbound("To partner")
	c.ConnectorType = connector.Partner
	c.AllAcceptedDomains = true // OnPremises only
	c.RecipientDomains = []domain.Pattern{domain.MustParsePattern("fabrikam.com")}
	c.TlsDomain = domain.MustParsePattern("*.fabrikam.com") // needs TlsSettings DomainValidation
	c.SmartHosts = []connector.SmartHost{connector.MustParseSmartHost("192.0.2.25")}

	err := c.Validate()
	fmt.Println(err)
	var list connector.ErrorList
	if errors.As(err, &list) {
		fmt.Println(len(list), "problems")
	}
	// Output:
	// connector "To partner": AllAcceptedDomains: needs ConnectorType OnPremises
	// connector "To partner": SmartHosts: set, but UseMXRecord is true: use one or the other
	// connector "To partner": TlsDomain: set, but TlsSettings is not DomainValidation
	// 3 problems
}

// Two enabled connectors claiming the same recipient domain would leave the
// choice to chance; the table is refused, naming both.
func ExampleNewTable_conflict() {
	conns, accepted := workedExample()
	c4 := conns[1] // a copy of Connector 2, also for contoso.com
	c4.Name = "Connector 4"
	_, err := connector.NewTable(append(conns, c4), accepted)
	fmt.Println(err)
	// Output:
	// connector: "Connector 2" and "Connector 4" both claim recipient domain contoso.com
}
