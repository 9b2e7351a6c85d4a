package mailgraph

import (
	"bytes"
	"context"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailflow-go/mailflow/internal/mailgraph/dottest"
)

// render writes g as DOT and renders it with the real dot.
func render(t testing.TB, g *Graph) (dot, svg []byte) {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, WriteDOT(&b, g))
	svg, err := SVG(context.Background(), b.Bytes())
	require.NoError(t, err, "dot refused:\n%s", b.String())
	return b.Bytes(), svg
}

// checkSVG asserts that the SVG dot rendered from g has every node of g,
// titled with its ID and showing its label, line by line, and every edge
// with its label.
func checkSVG(t testing.TB, g *Graph, svg []byte) {
	t.Helper()
	nodes, edges, err := SVGNodes(svg)
	require.NoError(t, err)
	assert.Len(t, nodes, len(g.Nodes))
	for _, n := range g.Nodes {
		var want []string
		for _, l := range n.Label {
			want = append(want, shown(l)...)
		}
		got, ok := nodes[n.ID]
		if assert.True(t, ok, "node %s (%q) is not in the SVG", n.ID, n.Label) {
			assert.Equal(t, want, got, "node %s", n.ID)
		}
	}
	want := map[string][]string{}
	for _, e := range g.Edges {
		k := e.From + "->" + e.To
		want[k] = append(want[k], shown(e.Label)...)
	}
	assert.Len(t, edges, len(want))
	for k, w := range want {
		got := edges[k]
		slices.Sort(got)
		slices.Sort(w)
		assert.Equal(t, w, got, "edge %s", k)
	}
}

// shown is what dot shows of one label line: the line as cleaned;
// nothing for an empty line.
func shown(l string) []string {
	if l == "" {
		return nil
	}
	return []string{clean(l)}
}

// TestSVG renders every seed configuration with the real dot and finds
// each node (by the <title> of its g.node element) and edge, with its
// text, in the SVG.
func TestSVG(t *testing.T) {
	dottest.Require(t)
	for name, dir := range seedConfigs(t) {
		t.Run(name, func(t *testing.T) {
			g, err := Build(dir, Filter{})
			require.NoError(t, err)
			_, svg := render(t, g)
			checkSVG(t, g, svg)
		})
	}
}

// TestNoDot: without dot in PATH, SVG says which package to install.
func TestNoDot(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := SVG(context.Background(), []byte("digraph{}"))
	assert.ErrorIs(t, err, ErrNoDot)
	assert.ErrorContains(t, err, "apt-get install graphviz")
}

// TestSVGError: dot's own complaint is in the error.
func TestSVGError(t *testing.T) {
	dottest.Require(t)
	_, err := SVG(context.Background(), []byte("digraph { a -> }"))
	assert.ErrorContains(t, err, "mailgraph: dot -Tsvg: exit status 1: Error: <stdin>: syntax error in line 1")
}
