package world_test

import (
	"fmt"
	"os"
	"reflect"

	"github.com/mailflow-go/mailflow/internal/world"
)

// An Encoder writes a generated world one tenant at a time, here the
// first tenant of the default seed as YAML.
func ExampleEncoder() {
	g := world.NewGenerator(world.Seed)
	enc := world.NewEncoder(os.Stdout, world.YAML)
	t, _ := g.Tenant(0)
	if err := enc.Encode(t); err != nil {
		panic(err)
	}
	if err := enc.Close(); err != nil {
		panic(err)
	}
	// Output:
	// Tenants:
	// - Id: t0
	//   RejectDirectSend: true
	//   AcceptedDomains:
	//     - DomainName: tailspin0.com
	//       DomainType: Authoritative
	//   OutboundConnectors:
	//     - Name: To on-premises
	//       ConnectorType: OnPremises
	//       AllAcceptedDomains: true
	//       UseMXRecord: false
	//       SmartHosts:
	//         - mail.tailspin0.com
	//     - Name: Smart host
	//       ConnectorType: Partner
	//       RecipientDomains:
	//         - '*'
	//       UseMXRecord: false
	//       SmartHosts:
	//         - outbound.southridge-filter.com
	//   InboundConnectors:
	//     - Name: From on-premises
	//       ConnectorType: OnPremises
	//       SenderDomains:
	//         - '*'
	//       TlsSenderCertificateName: '*.tailspin0.com'
	//       RequireTls: true
}

// GenerateSeed(n, seed) is the first n tenants of any larger world of the
// same seed, tenant by tenant what a Generator makes.
func ExampleGenerator() {
	w := world.GenerateSeed(3, 42)
	g := world.NewGenerator(42)
	t, _ := g.Tenant(2)
	fmt.Println(reflect.DeepEqual(w.Tenants[2], t), reflect.DeepEqual(world.GenerateSeed(3, 7).Tenants[2], t))
	// Output: true false
}
