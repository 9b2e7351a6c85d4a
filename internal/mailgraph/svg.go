package mailgraph

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
)

// ErrNoDot says that Graphviz's dot program is not installed.
var ErrNoDot = errors.New("mailgraph: Graphviz's dot is not installed (install the graphviz package: apt-get install graphviz)")

// SVG renders a DOT graph to SVG with Graphviz ("dot -Tsvg"), found in
// PATH; ErrNoDot when it is not there.
func SVG(ctx context.Context, dot []byte) ([]byte, error) {
	path, err := exec.LookPath("dot")
	if err != nil {
		return nil, ErrNoDot
	}
	var out, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, path, "-Tsvg")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(dot), &out, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("mailgraph: dot -Tsvg: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return out.Bytes(), nil
}

// SVGNodes reads an SVG that dot wrote and returns its nodes and edges:
// the <title> of each <g class="node"> or <g class="edge"> element (a
// node's ID, "from->to" for an edge) and the lines of its <text>
// elements, decoded, with the no-break spaces dot writes for runs of
// spaces turned back into spaces. It is how the tests check a rendering.
func SVGNodes(svg []byte) (nodes, edges map[string][]string, err error) {
	nodes, edges = map[string][]string{}, map[string][]string{}
	dec := xml.NewDecoder(bytes.NewReader(svg))
	dec.Strict = true
	var (
		depth, gDepth int
		class, title  string
		texts         []string
		in            string // the element whose text is being read: "title", "text" or ""
		buf           strings.Builder
	)
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("mailgraph: SVG: %w", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			depth++
			if tok.Name.Local == "g" && gDepth == 0 {
				for _, a := range tok.Attr {
					if a.Name.Local == "class" && (a.Value == "node" || a.Value == "edge") {
						gDepth, class, title, texts = depth, a.Value, "", nil
					}
				}
			}
			if gDepth > 0 && (tok.Name.Local == "title" || tok.Name.Local == "text") {
				in = tok.Name.Local
				buf.Reset()
			}
		case xml.CharData:
			if in != "" {
				buf.Write(tok)
			}
		case xml.EndElement:
			switch {
			case in == "title" && tok.Name.Local == "title":
				title, in = buf.String(), ""
			case in == "text" && tok.Name.Local == "text":
				texts, in = append(texts, strings.ReplaceAll(buf.String(), "\u00a0", " ")), ""
			}
			if depth == gDepth {
				m := nodes
				if class == "edge" {
					m = edges
				}
				m[title] = append(m[title], texts...)
				gDepth = 0
			}
			depth--
		}
	}
	return nodes, edges, nil
}
