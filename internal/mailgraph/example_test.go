package mailgraph_test

import (
	"fmt"
	"os"

	"github.com/mailflow-go/mailflow/config"
	"github.com/mailflow-go/mailflow/domain"
	"github.com/mailflow-go/mailflow/internal/mailgraph"
)

// Draw what the recipient domain sales.contoso.com touches in the
// embedded default (Microsoft's worked example), as Mermaid: Connector 3
// carries it, Connector 1 loses.
func ExampleBuild() {
	g, err := mailgraph.Build(config.Default().Directory(), mailgraph.Filter{Domain: domain.MustParse("sales.contoso.com")})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := mailgraph.WriteMermaid(os.Stdout, g); err != nil {
		fmt.Println(err)
	}
	// Output:
	// ---
	// title: "mailflow: domain sales.contoso.com"
	// ---
	// flowchart LR
	//   subgraph c0["tenant contoso"]
	//     t0_t[["contoso<br>tenant"]]
	//     t0_a0(["sales.contoso.com<br>accepted, Authoritative"])
	//     t0_o0["Connector 3<br>outbound, OnPremises"]
	//     t0_o1["Connector 1<br>outbound, OnPremises"]
	//     t0_i0["From on-premises<br>inbound, OnPremises<br>certificate *.contoso.com<br>RequireTls"]
	//   end
	//   h0[("mail.contoso.com<br>smart host")]
	//   t0_o0 -->|"smart host"| h0
	//   t0_a0 -->|"*.contoso.com (most specific)"| t0_o0
	//   t0_o1 -->|"smart host"| h0
	//   t0_a0 -.->|"loses: wildcard *.contoso.com beats all accepted domains under most-specific precedence"| t0_o1
	//   t0_i0 -->|"senders *"| t0_t
}

// A whole world is refused past the readable size, with the count.
func ExampleTooLargeError() {
	_, err := mailgraph.Build(config.Default().Directory(), mailgraph.Filter{MaxNodes: 5})
	fmt.Println(err)
	// Output:
	// mailgraph: the graph would have 13 nodes (1 tenant(s)), more than 5, too many to read: draw one tenant or one domain
}
