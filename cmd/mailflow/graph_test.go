package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailflow-go/mailflow/config"
	"github.com/mailflow-go/mailflow/internal/mailgraph"
	"github.com/mailflow-go/mailflow/internal/mailgraph/dottest"
)

// TestGraphGolden: the drawing of the embedded default, Microsoft's
// worked example, in DOT and Mermaid, and of one domain of it.
func TestGraphGolden(t *testing.T) {
	for _, tt := range []struct{ name, golden string }{
		{"", "graph-default.dot"},
		{"--format=mermaid", "graph-default.mmd"},
		{"--domain=sales.contoso.com", "graph-domain.dot"},
	} {
		args := []string{"graph"}
		if tt.name != "" {
			args = append(args, tt.name)
		}
		out, stderr, code := mailflow(t, args...)
		require.Equal(t, 0, code, stderr)
		golden(t, tt.golden, out)
	}
}

// TestGraphSVG: --svg FILE and --format svg render through the real dot;
// the SVG has a g.node titled with each node's ID, showing its name.
func TestGraphSVG(t *testing.T) {
	dottest.Require(t)
	file := filepath.Join(t.TempDir(), "g.svg")
	_, stderr, code := mailflow(t, "graph", "--svg", file)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "mailflow graph: wrote "+file+" (13 nodes, 10 edges)\n", stderr)
	svg, err := os.ReadFile(file)
	require.NoError(t, err)
	out, stderr, code := mailflow(t, "graph", "--format", "svg")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, string(svg), out)
	nodes, edges, err := mailgraph.SVGNodes(svg)
	require.NoError(t, err)
	for id, first := range map[string]string{
		"t0_t": "contoso", "t0_a0": "contoso.com", "t0_a1": "sales.contoso.com",
		"t0_o0": "Connector 1", "t0_o1": "Connector 2", "t0_o2": "Connector 3",
		"t0_i0": "From on-premises", "h0": "mail.contoso.com", "mx": "MX lookup",
	} {
		if assert.Contains(t, nodes, id) {
			assert.Equal(t, first, nodes[id][0], id)
		}
	}
	assert.Len(t, nodes, 13)
	assert.Equal(t, []string{"*.contoso.com (most specific)"}, edges["t0_a1->t0_o2"])
}

// TestGraphNoDot: without dot, --svg fails with the package to install,
// and writes no file.
func TestGraphNoDot(t *testing.T) {
	file := filepath.Join(t.TempDir(), "g.svg")
	cmd := exec.Command(binary, "graph", "--svg", file)
	cmd.Env = append(os.Environ(), "PATH="+t.TempDir())
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	assert.Equal(t, exitUsage, exit.ExitCode())
	assert.Equal(t, "mailflow graph: mailgraph: Graphviz's dot is not installed (install the graphviz package: apt-get install graphviz)\n", string(out))
	assert.NoFileExists(t, file)
}

// TestGraphTooLarge: a world past --max-nodes is refused with the count
// and the filters to use, nothing drawn; one tenant of it is drawn.
func TestGraphTooLarge(t *testing.T) {
	world := filepath.Join(t.TempDir(), "w.yaml")
	_, stderr, code := mailflow(t, "gen-world", "200", "-o", world)
	require.Equal(t, 0, code, stderr)
	out, stderr, code := mailflow(t, "graph", "--config", world)
	assert.Equal(t, exitUsage, code)
	assert.Empty(t, out)
	assert.Regexp(t, regexp.MustCompile(`^mailflow graph: the graph would have \d+ nodes in 200 tenant\(s\); past 500 nodes it is too large to read.
Draw one tenant \(--tenant ID\) or what one domain touches \(--domain NAME\), or raise --max-nodes.
$`), stderr)
	out, stderr, code = mailflow(t, "graph", "--config", world, "--tenant", "t7", "--format", "mermaid")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, `subgraph c0["tenant t7"]`)
	_, stderr, code = mailflow(t, "graph", "--config", world, "--max-nodes", "-1")
	assert.Equal(t, 0, code, stderr)
}

// TestGraphUsage: bad flags and filters that select nothing exit 2 with
// the reason.
func TestGraphUsage(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--format", "png"}, "mailflow graph: --format \"png\": want dot, mermaid or svg\n"},
		{[]string{"--format", "mermaid", "--svg", "x.svg"}, "mailflow graph: --svg renders DOT with Graphviz: it does not go with --format mermaid\n"},
		{[]string{"--max-nodes", "0"}, "mailflow graph: --max-nodes 0 draws nothing; give a positive number, or -1 for no limit\n"},
		{[]string{"--tenant", "nobody"}, "mailflow graph: mailgraph: tenant \"nobody\": no such tenant (tenants: contoso)\n"},
		{[]string{"--domain", "example.org"}, "mailflow graph: mailgraph: domain \"example.org\": no tenant accepts it or names it in a connector or a transport rule\n"},
		{[]string{"--domain", "a..b"}, "mailflow graph: --domain: domain: bad name \"a..b\": empty label\n"},
	} {
		out, stderr, code := mailflow(t, append([]string{"graph"}, tt.args...)...)
		assert.Equal(t, exitUsage, code, "%v", tt.args)
		assert.Empty(t, out)
		assert.Equal(t, tt.want, stderr, "%v", tt.args)
	}
}

// TestGraphExampleSVG: docs/graph-example.svg, the README's picture, is
// the drawing of the current default configuration: the same nodes, each
// with the same text (coordinates are dot's and change with its version).
// Regenerate it with: mailflow graph --svg docs/graph-example.svg
func TestGraphExampleSVG(t *testing.T) {
	svg, err := os.ReadFile(filepath.Join("..", "..", "docs", "graph-example.svg"))
	require.NoError(t, err)
	nodes, edges, err := mailgraph.SVGNodes(svg)
	require.NoError(t, err)
	g, err := mailgraph.Build(config.Default().Directory(), mailgraph.Filter{})
	require.NoError(t, err)
	want := map[string][]string{}
	for _, n := range g.Nodes {
		want[n.ID] = n.Label
	}
	assert.Equal(t, want, nodes, "regenerate with: mailflow graph --svg docs/graph-example.svg")
	assert.Len(t, edges, len(g.Edges))
}
