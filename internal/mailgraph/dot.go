package mailgraph

import (
	"bufio"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// DOT attributes of each kind of node.
var dotNode = map[Kind]string{
	KindTenant:          `shape=box3d, fillcolor="#dbe9f6"`,
	KindAcceptedDomain:  `shape=folder, fillcolor="#e6f4e6"`,
	KindRecipientDomain: `shape=ellipse, fillcolor="#f2f2f2"`,
	KindInbound:         `shape=box, style="rounded,filled", fillcolor="#e3f0fc"`,
	KindOutbound:        `shape=box, style="rounded,filled", fillcolor="#fff6dc"`,
	KindSmartHost:       `shape=cylinder, fillcolor="#f8e8f8"`,
	KindMX:              `shape=oval, fillcolor="#ffffff"`,
	KindMissing:         `shape=box, color="#c62828", fontcolor="#c62828"`,
}

// WriteDOT writes g in Graphviz's DOT language, left to right, one
// cluster per tenant. Node IDs are g's, which need no quoting; every
// name is in a quoted label, escaped so that dot shows it as it is
// (quotes, backslashes, "&", any Unicode; control characters and
// invalid UTF-8 become U+FFFD).
func WriteDOT(w io.Writer, g *Graph) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("digraph mailflow {\n")
	bw.WriteString("  graph [rankdir=LR, labelloc=t, fontname=\"Helvetica\", fontsize=12, label=" + dotQuote("mailflow: "+g.Title) + "];\n")
	bw.WriteString("  node [fontname=\"Helvetica\", fontsize=10, style=filled];\n")
	bw.WriteString("  edge [fontname=\"Helvetica\", fontsize=9];\n")
	writeClusters(bw, g, func(c Cluster) string {
		return "  subgraph cluster_" + c.ID + " {\n    graph [style=rounded, color=\"#7f7f7f\", label=" + dotQuote("tenant "+c.Tenant) + "];\n"
	}, "  }\n", writeDOTNode)
	for _, e := range g.Edges {
		bw.WriteString("  " + e.From + " -> " + e.To + " [label=" + dotQuote(e.Label))
		switch e.Style {
		case Dashed:
			bw.WriteString(", style=dashed")
		case Dotted:
			bw.WriteString(", style=dotted")
		}
		bw.WriteString("];\n")
	}
	bw.WriteString("}\n")
	return bw.Flush()
}

func writeDOTNode(bw *bufio.Writer, indent string, n *Node) {
	bw.WriteString(indent + n.ID + " [" + dotNode[n.Kind] + ", label=" + dotQuote(n.Label...))
	if n.Inactive {
		bw.WriteString(`, style="dashed,rounded", fontcolor="#606060"`)
	}
	bw.WriteString("];\n")
}

// dotQuote returns lines as one quoted DOT string, the lines separated by
// \n (centred). In a label, dot reads \" as a quote, \\ as a backslash
// and other backslash pairs as escapes (\N, \l, ...), and it decodes
// HTML entities ("&amp;"): so every backslash and quote is escaped, and
// every "&" written as "&amp;".
func dotQuote(lines ...string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i, l := range lines {
		if i > 0 {
			b.WriteString(`\n`)
		}
		for _, r := range clean(l) {
			switch r {
			case '"':
				b.WriteString(`\"`)
			case '\\':
				b.WriteString(`\\`)
			case '&':
				b.WriteString("&amp;")
			default:
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// clean replaces invalid UTF-8 and control characters (line breaks
// among them: a name is one line) with U+FFFD.
func clean(s string) string {
	ok := utf8.ValidString(s) && strings.IndexFunc(s, unicode.IsControl) < 0
	if ok {
		return s
	}
	var b strings.Builder
	for _, r := range s { // invalid UTF-8 ranges as U+FFFD
		if unicode.IsControl(r) {
			r = utf8.RuneError
		}
		b.WriteRune(r)
	}
	return b.String()
}

// writeClusters writes each cluster of g (open, its nodes, close), then
// the shared nodes, each by node.
func writeClusters(bw *bufio.Writer, g *Graph, open func(Cluster) string, close string, node func(*bufio.Writer, string, *Node)) {
	clusters := make([][]int, len(g.Clusters))
	var shared []int
	for i, n := range g.Nodes {
		if n.Cluster < 0 || n.Cluster >= len(g.Clusters) {
			shared = append(shared, i)
			continue
		}
		clusters[n.Cluster] = append(clusters[n.Cluster], i)
	}
	for ci, c := range g.Clusters {
		bw.WriteString(open(c))
		for _, i := range clusters[ci] {
			node(bw, "    ", &g.Nodes[i])
		}
		bw.WriteString(close)
	}
	for _, i := range shared {
		node(bw, "  ", &g.Nodes[i])
	}
}
