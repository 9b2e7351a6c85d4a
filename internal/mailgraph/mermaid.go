package mailgraph

import (
	"bufio"
	"io"
	"strconv"
	"strings"
)

// Mermaid shapes of each kind of node: the brackets around the label.
var mermaidShape = map[Kind][2]string{
	KindTenant:          {"[[", "]]"},
	KindAcceptedDomain:  {"([", "])"},
	KindRecipientDomain: {"(", ")"},
	KindInbound:         {"[", "]"},
	KindOutbound:        {"[", "]"},
	KindSmartHost:       {"[(", ")]"},
	KindMX:              {"((", "))"},
	KindMissing:         {"{{", "}}"},
}

// WriteMermaid writes g as a Mermaid flowchart, left to right, one
// subgraph per tenant. IDs are g's ([a-z0-9_]); every label is quoted,
// its lines joined by <br>, and the characters Mermaid would read
// (quote, #, &, <, >, |, backtick) written as entity codes (#quot;, #35;
// ...); control characters and invalid UTF-8 become U+FFFD.
func WriteMermaid(w io.Writer, g *Graph) error {
	bw := bufio.NewWriter(w)
	// The title is in YAML front matter: a double-quoted YAML string,
	// where a backslash starts an escape.
	bw.WriteString("---\ntitle: " + strings.ReplaceAll(mermaidQuote("mailflow: "+g.Title), `\`, `\\`) + "\n---\n")
	bw.WriteString("flowchart LR\n")
	writeClusters(bw, g, func(c Cluster) string {
		return "  subgraph " + c.ID + "[" + mermaidQuote("tenant "+c.Tenant) + "]\n"
	}, "  end\n", writeMermaidNode)
	var inactive []int
	for i, n := range g.Nodes {
		if n.Inactive {
			inactive = append(inactive, i)
		}
	}
	for _, e := range g.Edges {
		arrow := " -->|"
		if e.Style != Solid {
			arrow = " -.->|"
		}
		bw.WriteString("  " + e.From + arrow + mermaidQuote(e.Label) + "| " + e.To + "\n")
	}
	if len(inactive) > 0 {
		bw.WriteString("  classDef inactive stroke-dasharray: 5 5,color:#606060\n")
		ids := make([]string, len(inactive))
		for k, i := range inactive {
			ids[k] = g.Nodes[i].ID
		}
		bw.WriteString("  class " + strings.Join(ids, ",") + " inactive\n")
	}
	return bw.Flush()
}

func writeMermaidNode(bw *bufio.Writer, indent string, n *Node) {
	s := mermaidShape[n.Kind]
	if s[0] == "" {
		s = [2]string{"[", "]"}
	}
	bw.WriteString(indent + n.ID + s[0] + mermaidQuote(n.Label...) + s[1] + "\n")
}

// mermaidQuote returns lines as one quoted Mermaid label, joined by <br>.
func mermaidQuote(lines ...string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i, l := range lines {
		if i > 0 {
			b.WriteString("<br>")
		}
		for _, r := range clean(l) {
			switch r {
			case '"':
				b.WriteString("#quot;")
			case '#', '&', '<', '>', '|', '`', ';':
				b.WriteString("#" + strconv.Itoa(int(r)) + ";")
			default:
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}
