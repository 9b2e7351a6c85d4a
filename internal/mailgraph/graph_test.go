package mailgraph

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailflow-go/mailflow/attribution"
	"github.com/mailflow-go/mailflow/config"
	"github.com/mailflow-go/mailflow/connector"
	"github.com/mailflow-go/mailflow/domain"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// seedConfigs are the designs the seed articles document (see each
// file's comment), and the embedded default, Microsoft's worked example.
func seedConfigs(t testing.TB) map[string]*attribution.Directory {
	t.Helper()
	out := map[string]*attribution.Directory{"default": config.Default().Directory()}
	files, err := filepath.Glob("testdata/seeds/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		c, err := config.Load(f)
		require.NoError(t, err, f)
		out[strings.TrimSuffix(filepath.Base(f), ".yaml")] = c.Directory()
	}
	return out
}

// TestGolden writes the DOT and Mermaid of every seed configuration and
// compares them with testdata/golden (go test -update rewrites them).
func TestGolden(t *testing.T) {
	for name, dir := range seedConfigs(t) {
		g, err := Build(dir, Filter{})
		require.NoError(t, err, name)
		for ext, write := range map[string]func(*bytes.Buffer, *Graph) error{
			".dot": func(b *bytes.Buffer, g *Graph) error { return WriteDOT(b, g) },
			".mmd": func(b *bytes.Buffer, g *Graph) error { return WriteMermaid(b, g) },
		} {
			t.Run(name+ext, func(t *testing.T) {
				var b bytes.Buffer
				require.NoError(t, write(&b, g))
				path := filepath.Join("testdata", "golden", name+ext)
				if *update {
					require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
					require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))
				}
				want, err := os.ReadFile(path)
				require.NoError(t, err, "go test -update writes it")
				assert.Equal(t, string(want), b.String())
			})
		}
	}
}

// edges returns the edges of g as "from-label -> to-label: edge label",
// the nodes named by their first label line.
func edges(g *Graph) []string {
	name := map[string]string{}
	for _, n := range g.Nodes {
		name[n.ID] = n.Label[0]
	}
	var out []string
	for _, e := range g.Edges {
		s := name[e.From] + " -> " + name[e.To] + ": " + e.Label
		switch e.Style {
		case Dashed:
			s += " (dashed)"
		case Dotted:
			s += " (dotted)"
		}
		out = append(out, s)
	}
	return out
}

// TestWorkedExampleEdges: the edges of Microsoft's worked example say the
// rule of the precedence that chose each connector, under both policies.
func TestWorkedExampleEdges(t *testing.T) {
	tests := []struct {
		name string
		prec connector.Precedence
		want []string
	}{
		{"most-specific (the article's answer)", connector.MostSpecific, []string{
			"contoso.com -> Connector 2: exact contoso.com",
			"sales.contoso.com -> Connector 3: *.contoso.com (most specific)",
			"fabrikam.com -> Connector 1: all accepted domains",
			"contoso.onmicrosoft.com -> Connector 1: all accepted domains",
			"*.contoso.com -> Connector 3: *.contoso.com",
			"* -> MX lookup: default routing",
		}},
		{"listed-order: all accepted domains before the wildcard", connector.ListedOrder, []string{
			"contoso.com -> Connector 2: exact contoso.com",
			"sales.contoso.com -> Connector 1: all accepted domains (listed order)",
			"fabrikam.com -> Connector 1: all accepted domains",
			"contoso.onmicrosoft.com -> Connector 1: all accepted domains",
			"*.contoso.com -> Connector 3: *.contoso.com",
			"* -> MX lookup: default routing",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := Build(config.Default(connector.WithPrecedence(tt.prec)).Directory(), Filter{})
			require.NoError(t, err)
			got := edges(g)
			for _, w := range tt.want {
				assert.Contains(t, got, w)
			}
			assert.Contains(t, got, "From on-premises -> contoso: senders *")
		})
	}
}

// TestRuleEdges: routing rules are edges from the tenant, with their
// conditions and exceptions; a disabled rule and one in audit mode are
// dashed; a rule naming no connector points at a "missing" node.
func TestRuleEdges(t *testing.T) {
	out := connector.NewOutbound("Rule only")
	out.IsTransportRuleScoped, out.UseMXRecord = true, false
	out.SmartHosts = []connector.SmartHost{connector.MustParseSmartHost("relay.contoso.com")}
	tn := attribution.Tenant{
		ID:                 "contoso",
		AcceptedDomains:    []domain.AcceptedDomain{{Name: domain.MustParse("contoso.com")}},
		OutboundConnectors: []connector.Outbound{out},
		TransportRules: []attribution.TransportRule{
			{Name: "Late", Priority: 2, RouteMessageOutboundConnector: "Rule only", Mode: attribution.ModeAudit},
			{Name: "Partner", Priority: 0, RouteMessageOutboundConnector: "rule ONLY",
				Conditions: attribution.Predicates{RecipientDomainIs: []domain.Name{domain.MustParse("fabrikam.com")}, FromScope: attribution.InOrganization},
				Exceptions: attribution.Predicates{SentTo: []string{"ceo@fabrikam.com"}}},
			{Name: "All", Priority: 1, RouteMessageOutboundConnector: "Rule only", State: attribution.RuleDisabled},
			{Name: "Stored", Priority: 3, RouteMessageOutboundConnector: "Gone", Stored: true},
			{Name: "No routing", Priority: 4, StopRuleProcessing: true},
		},
	}
	dir, err := attribution.NewDirectory([]attribution.Tenant{tn})
	require.NoError(t, err)
	g, err := Build(dir, Filter{})
	require.NoError(t, err)
	got := edges(g)
	for _, w := range []string{
		"contoso -> Rule only: rule: Partner when RecipientDomainIs fabrikam.com and FromScope InOrganization except ExceptIfSentTo ceo@fabrikam.com",
		"contoso -> Rule only: rule: All (every message) (Disabled) (dashed)",
		"contoso -> Rule only: rule: Late (every message) (Audit mode: routes nothing) (dashed)",
		"contoso -> Gone: rule: Stored (every message)",
		"Rule only -> relay.contoso.com: smart host",
	} {
		assert.Contains(t, got, w)
	}
	assert.Len(t, got, 6, "%q", got) // the five above and "* -> MX lookup"
	for _, n := range g.Nodes {
		if n.Label[0] == "Gone" {
			assert.Equal(t, KindMissing, n.Kind)
			assert.True(t, n.Inactive)
		}
	}
}

// TestFilters: --tenant draws one tenant; --domain the tenants and
// connectors that concern the domain, the losing candidates dotted.
func TestFilters(t *testing.T) {
	dirs := seedConfigs(t)
	tests := []struct {
		name     string
		dir      string
		f        Filter
		clusters []string
		want     []string // edges that must be there
		absent   []string // node names that must not
	}{
		{"one tenant of three", "tenants-certificate-each", Filter{Tenant: "FABRIKAM"}, []string{"fabrikam"},
			[]string{"fabrikam.com -> To on-premises: all accepted domains", "To on-premises -> relay.hosting.example: smart host"},
			[]string{"contoso.com", "northwind.com"}},
		{"a domain: its owner only", "tenants-certificate-each", Filter{Domain: domain.MustParse("northwind.com")}, []string{"northwind"},
			[]string{"northwind.com -> To on-premises: all accepted domains", "From on-premises -> northwind: senders *"},
			[]string{"contoso.com", "fabrikam.com"}},
		{"a subdomain of the worked example: the loser dotted", "default", Filter{Domain: domain.MustParse("sales.contoso.com")}, []string{"contoso"},
			[]string{"sales.contoso.com -> Connector 3: *.contoso.com (most specific)",
				"sales.contoso.com -> Connector 1: loses: wildcard *.contoso.com beats all accepted domains under most-specific precedence (dotted)"},
			[]string{"Connector 2", "contoso.com", "fabrikam.com", "*"}},
		{"a partner's domain, not accepted: the tenant whose connector names it", "partner", Filter{Domain: domain.MustParse("woodgrovebank.com")}, []string{"contoso"},
			[]string{"woodgrovebank.com -> To Woodgrove: exact woodgrovebank.com", "From Woodgrove -> contoso: senders woodgrovebank.com"},
			[]string{"To on-premises", "contoso.com"}},
		{"a rule's domain", "hybrid-rules", Filter{Domain: domain.MustParse("a.sites.contoso.com")}, []string{"contoso"},
			[]string{"contoso -> To on-premises: rule: Sites when RecipientDomainIs sites.contoso.com",
				"contoso -> To on-premises: rule: Old sites when SentToMemberOf old-sites@contoso.com (Disabled) (dashed)"},
			[]string{"contoso.com"}},
		{"tenant and domain", "tenants-certificate-each", Filter{Tenant: "contoso", Domain: domain.MustParse("contoso.com")}, []string{"contoso"},
			[]string{"contoso.com -> To on-premises: all accepted domains"}, []string{"fabrikam.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := Build(dirs[tt.dir], tt.f)
			require.NoError(t, err)
			var clusters []string
			for _, c := range g.Clusters {
				clusters = append(clusters, c.Tenant)
			}
			assert.Equal(t, tt.clusters, clusters)
			got := edges(g)
			for _, w := range tt.want {
				assert.Contains(t, got, w)
			}
			for _, n := range g.Nodes {
				assert.NotContains(t, tt.absent, n.Label[0])
			}
		})
	}
}

// TestFilterErrors: a filter that selects nothing is an error naming it.
func TestFilterErrors(t *testing.T) {
	dir := config.Default().Directory()
	tests := []struct {
		f    Filter
		want string
	}{
		{Filter{Tenant: "nobody"}, `mailgraph: tenant "nobody": no such tenant (tenants: contoso)`},
		{Filter{Domain: domain.MustParse("example.org")}, `mailgraph: domain "example.org": no tenant accepts it or names it in a connector or a transport rule`},
		{Filter{Tenant: "contoso", Domain: domain.MustParse("example.org")}, `mailgraph: domain "example.org": tenant contoso neither accepts it nor names it in a connector or a transport rule`},
	}
	for _, tt := range tests {
		g, err := Build(dir, tt.f)
		assert.Nil(t, g)
		var fe *FilterError
		assert.True(t, errors.As(err, &fe))
		assert.EqualError(t, err, tt.want)
	}
}

// world is n tenants, each like a seed's: two accepted domains, an
// inbound and two outbound connectors, one smart host of its own.
func world(t testing.TB, n int) *attribution.Directory {
	t.Helper()
	ts := make([]attribution.Tenant, n)
	for i := range ts {
		id := "t" + strings.Repeat("x", i%3) + string(rune('a'+i%26)) + "-" + strconv.Itoa(i)
		base := domain.MustParse(id + ".example")
		in := connector.NewInbound("From on-premises")
		in.ConnectorType, in.SenderDomains = connector.OnPremises, []domain.Pattern{domain.AnyPattern()}
		in.TlsSenderCertificateName, in.RequireTls = domain.WildcardPattern(base), true
		all := connector.NewOutbound("All accepted")
		all.ConnectorType, all.AllAcceptedDomains, all.UseMXRecord = connector.OnPremises, true, false
		all.SmartHosts = []connector.SmartHost{connector.SmartHostName(domain.MustParse("mail." + base.String()))}
		part := connector.NewOutbound("Partner")
		part.RecipientDomains = []domain.Pattern{domain.MustParsePattern("*.partner-" + strconv.Itoa(i) + ".example")}
		ts[i] = attribution.Tenant{
			ID:                 id,
			AcceptedDomains:    []domain.AcceptedDomain{{Name: base}, {Name: domain.MustParse("sub." + base.String())}},
			InboundConnectors:  []connector.Inbound{in},
			OutboundConnectors: []connector.Outbound{all, part},
		}
	}
	dir, err := attribution.NewDirectory(ts)
	require.NoError(t, err)
	return dir
}

// TestTooLarge: past MaxNodes Build refuses with the number of nodes the
// whole graph would have, the same number as the graph drawn without a
// limit; a filtered graph is drawn.
func TestTooLarge(t *testing.T) {
	dir := world(t, 60)
	all, err := Build(dir, Filter{MaxNodes: -1})
	require.NoError(t, err)
	require.Len(t, all.Clusters, 60)
	for _, max := range []int{0, 10, len(all.Nodes) - 1} {
		g, err := Build(dir, Filter{MaxNodes: max})
		assert.Nil(t, g)
		var tl *TooLargeError
		require.True(t, errors.As(err, &tl), "max %d: %v", max, err)
		assert.Equal(t, TooLargeError{Nodes: len(all.Nodes), Tenants: 60, Max: cmpOr(max, DefaultMaxNodes)}, *tl)
	}
	g, err := Build(dir, Filter{MaxNodes: len(all.Nodes)})
	require.NoError(t, err)
	assert.Equal(t, all, g)
	one, err := Build(dir, Filter{Tenant: dir.Tenants()[7]})
	require.NoError(t, err)
	assert.Len(t, one.Clusters, 1)
	assert.Equal(t, (len(all.Nodes)-1)/60+1, len(one.Nodes), "one tenant's nodes (its smart host among them) and MX")
}

func cmpOr(a, b int) int {
	if a == 0 {
		return b
	}
	return a
}
