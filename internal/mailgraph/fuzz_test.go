package mailgraph

import (
	"bytes"
	"net/netip"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailflow-go/mailflow/attribution"
	"github.com/mailflow-go/mailflow/connector"
	"github.com/mailflow-go/mailflow/domain"
	"github.com/mailflow-go/mailflow/internal/mailgraph/dottest"
)

// nameGraph is a graph of every kind of node, named by the fuzzer.
func nameGraph(tenant, conn, rule string) *Graph {
	g := &Graph{Title: tenant, Clusters: []Cluster{{ID: "c0", Tenant: tenant}}}
	for i, k := range []Kind{KindTenant, KindAcceptedDomain, KindRecipientDomain, KindInbound, KindOutbound, KindMissing} {
		g.Nodes = append(g.Nodes, Node{ID: "t0_n" + string(rune('a'+i)), Kind: k, Label: []string{conn, rule, tenant}, Inactive: i%2 == 0})
	}
	g.Nodes = append(g.Nodes, Node{ID: "h0", Kind: KindSmartHost, Cluster: -1, Label: []string{rule}}, Node{ID: "mx", Kind: KindMX, Cluster: -1, Label: []string{conn}})
	g.Edges = []Edge{{From: "t0_na", To: "t0_nb", Label: rule}, {From: "t0_nb", To: "h0", Label: conn, Style: Dashed}, {From: "h0", To: "mx", Label: tenant, Style: Dotted}}
	return g
}

var (
	mermaidID    = `[a-z0-9_]+`
	mermaidLabel = `"(?:[^"<>#&|;` + "`" + `\n]|<br>|#[a-z0-9]+;)*"`
	// mermaidLine is every line WriteMermaid may write: safe IDs, labels
	// quoted with nothing inside that Mermaid would read.
	mermaidLine = regexp.MustCompile(`^(?:---|title: ` + mermaidLabel + `|flowchart LR|  end|` +
		`  subgraph ` + mermaidID + `\[` + mermaidLabel + `\]|` +
		` *` + mermaidID + `(?:\[\[|\(\[|\(|\[\(|\(\(|\{\{|\[)` + mermaidLabel + `(?:\]\]|\]\)|\)|\)\]|\)\)|\}\}|\])|` +
		`  ` + mermaidID + ` -\.?->\|` + mermaidLabel + `\| ` + mermaidID + `|` +
		`  classDef inactive .*|  class [a-z0-9_,]+ inactive)$`)
)

// checkMermaid asserts that every line of WriteMermaid's output is one
// of the lines it may write.
func checkMermaid(t testing.TB, g *Graph) {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, WriteMermaid(&b, g))
	for _, l := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
		assert.Regexp(t, mermaidLine, l)
	}
}

// FuzzNames: whatever the names of tenants, connectors and rules (quotes,
// backslashes, DOT escapes such as \N, HTML entities, any Unicode,
// control characters, invalid UTF-8), the DOT is parsed by the real dot
// and the SVG shows each name as it is (control characters and invalid
// UTF-8 as U+FFFD), and the Mermaid lines are all of the safe shapes.
// The names go in directly (nameGraph), and through a configuration when
// the directory accepts them. The seed corpus runs dot on every go test.
func FuzzNames(f *testing.F) {
	for _, s := range [][3]string{
		{"contoso", "Connector 1", "Sites"},
		{`a"b`, `back\slash\`, `\N\G\l\n\r\T\E\H\L`},
		{"&amp; &lt; &", "<b>bold</b>", "[x](y) {z} |w| `v` #w; %%"},
		{"  two  spaces ", " ", ""},
		{"日本語 ü 🙂 مرحبا", "\u200b\u2028\ufeff", "end"},
		{"\x00\x01\x7f", "\xff\xfe", "line\nbreak\r\ttab"},
		{"--", "-->", "a -> b; c"},
		{"subgraph", "graph", "node"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, tenant, conn, rule string) {
		graphs := []*Graph{nameGraph(tenant, conn, rule)}
		if g := configGraph(tenant, conn, rule); g != nil {
			graphs = append(graphs, g)
		}
		for _, g := range graphs {
			checkMermaid(t, g)
			dottest.Require(t)
			_, svg := render(t, g)
			checkSVG(t, g, svg)
		}
	})
}

// configGraph draws a tenant with connectors and a rule of these names;
// nil when the directory refuses them.
func configGraph(tenant, conn, rule string) *Graph {
	out := connector.NewOutbound(conn)
	out.IsTransportRuleScoped, out.UseMXRecord = true, false
	out.SmartHosts = []connector.SmartHost{connector.MustParseSmartHost("relay.contoso.com")}
	in := connector.NewInbound(conn)
	in.SenderDomains = []domain.Pattern{domain.AnyPattern()}
	in.SenderIPAddresses = []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}
	dir, err := attribution.NewDirectory([]attribution.Tenant{{
		ID:                 tenant,
		AcceptedDomains:    []domain.AcceptedDomain{{Name: domain.MustParse("contoso.com")}},
		InboundConnectors:  []connector.Inbound{in},
		OutboundConnectors: []connector.Outbound{out},
		TransportRules: []attribution.TransportRule{{Name: rule, RouteMessageOutboundConnector: conn,
			Conditions: attribution.Predicates{SentTo: []string{rule}, HeaderContainsMessageHeader: tenant, HeaderContainsWords: []string{conn}}}},
	}})
	if err != nil {
		return nil
	}
	g, err := Build(dir, Filter{})
	if err != nil {
		return nil
	}
	return g
}

// TestConfigGraphAccepts: the configuration path of FuzzNames is taken
// for ordinary names, so that the fuzzer reaches Build.
func TestConfigGraphAccepts(t *testing.T) {
	g := configGraph("contoso", "Connector 1", "Sites")
	require.NotNil(t, g)
	assert.Contains(t, edges(g), "contoso -> Connector 1: rule: Sites when SentTo Sites and HeaderContainsMessageHeader contoso Connector 1")
}

// FuzzSVGNodes: SVGNodes reads any input without panicking, and on what
// dot wrote for the seeds finds every node.
func FuzzSVGNodes(f *testing.F) {
	f.Add([]byte(`<svg><g class="node"><title>a</title><text>x&amp;y</text></g><g class="edge"><title>a&#45;&gt;b</title></g></svg>`))
	f.Add([]byte(`<svg><g class="node"><g class="node"><title>`))
	f.Add([]byte("<svg>\x00</svg>"))
	f.Fuzz(func(t *testing.T, b []byte) {
		nodes, edges, err := SVGNodes(b)
		if err != nil {
			assert.Nil(t, nodes)
			assert.Nil(t, edges)
		}
	})
}

// TestSVGNodesSmall: titles and texts are decoded; nested groups do not
// start a new node.
func TestSVGNodesSmall(t *testing.T) {
	nodes, edges, err := SVGNodes([]byte(`<svg><g class="node"><title>a</title><text>x&amp;y</text><text>two&#160; spaces</text></g>` +
		`<g class="edge"><title>a&#45;&gt;b</title><g><text>label</text></g></g></svg>`))
	require.NoError(t, err)
	assert.Equal(t, map[string][]string{"a": {"x&y", "two  spaces"}}, nodes)
	assert.Equal(t, map[string][]string{"a->b": {"label"}}, edges)
	_, _, err = SVGNodes([]byte(`<svg><g>`))
	assert.ErrorContains(t, err, "mailgraph: SVG: XML syntax error")
}
