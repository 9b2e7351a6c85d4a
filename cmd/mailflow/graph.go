package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/mailflow-go/mailflow/connector"
	"github.com/mailflow-go/mailflow/domain"
	"github.com/mailflow-go/mailflow/internal/mailgraph"
)

func runGraph(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("graph",
		"mailflow graph [--config F] [--tenant ID] [--domain NAME] [--format dot|mermaid|svg] [--svg FILE] [--max-nodes N]",
		`Draws the mail flow of the configuration: each tenant with its accepted
domains, inbound connectors (by certificate or IP), outbound connectors and
the smart hosts or MX they deliver to. Each edge says why mail goes there:
"exact contoso.com", "*.contoso.com (most specific)", "all accepted domains",
"rule: <name> when <conditions>" for a transport rule routing through a
rule-scoped connector. Output: Graphviz DOT (default), Mermaid, or SVG
rendered by Graphviz's dot (the graphviz package). A graph of more than
--max-nodes nodes is refused: draw one tenant (--tenant) or what one domain
touches (--domain).`, stdout, stderr)
	cfgPath := fs.String("config", "", configHelp)
	tenantID := fs.String("tenant", "", "draw only this tenant")
	domainName := fs.String("domain", "", "draw only what concerns this recipient or sender domain: the tenant that accepts it,\nthe tenants whose connectors or rules name it, and in each the connectors that may carry it")
	format := fs.String("format", "dot", "output format: dot, mermaid or svg (svg needs Graphviz's dot)")
	svgFile := fs.String("svg", "", "render SVG with Graphviz's dot into this file (instead of writing to standard output)")
	maxNodes := fs.Int("max-nodes", mailgraph.DefaultMaxNodes, "refuse to draw a graph with more nodes than this (-1: no limit)")
	precedence := fs.String("precedence", "most-specific", "outbound precedence: most-specific or listed-order (see 'mailflow route --help')")
	rest, status, ok := fs.parse(args)
	if !ok {
		return status
	}
	if len(rest) > 0 {
		fmt.Fprintf(stderr, "mailflow graph: unexpected argument %q\n\n", rest[0])
		fs.usage(stderr)
		return exitUsage
	}
	switch *format {
	case "dot", "mermaid", "svg":
	default:
		fmt.Fprintf(stderr, "mailflow graph: --format %q: want dot, mermaid or svg\n", *format)
		return exitUsage
	}
	if *svgFile != "" && *format == "mermaid" {
		fmt.Fprintln(stderr, "mailflow graph: --svg renders DOT with Graphviz: it does not go with --format mermaid")
		return exitUsage
	}
	if *maxNodes == 0 {
		fmt.Fprintln(stderr, "mailflow graph: --max-nodes 0 draws nothing; give a positive number, or -1 for no limit")
		return exitUsage
	}
	prec, err := connector.ParsePrecedence(*precedence)
	if err != nil {
		fmt.Fprintf(stderr, "mailflow graph: --precedence: %v\n", err)
		return exitUsage
	}
	f := mailgraph.Filter{Tenant: *tenantID, MaxNodes: *maxNodes}
	if *domainName != "" {
		if f.Domain, err = domain.Parse(*domainName); err != nil {
			fmt.Fprintf(stderr, "mailflow graph: --domain: %v\n", err)
			return exitUsage
		}
	}
	cfg, ok := loadConfig(*cfgPath, stderr, connector.WithPrecedence(prec))
	if !ok {
		return exitUsage
	}
	g, err := mailgraph.Build(cfg.Directory(), f)
	var tooLarge *mailgraph.TooLargeError
	switch {
	case errors.As(err, &tooLarge):
		fmt.Fprintf(stderr, "mailflow graph: the graph would have %d nodes in %d tenant(s); past %d nodes it is too large to read.\n", tooLarge.Nodes, tooLarge.Tenants, tooLarge.Max)
		fmt.Fprintln(stderr, "Draw one tenant (--tenant ID) or what one domain touches (--domain NAME), or raise --max-nodes.")
		return exitUsage
	case err != nil:
		fmt.Fprintf(stderr, "mailflow graph: %v\n", err)
		return exitUsage
	}
	if cfg.Source != "" {
		g.Title += " (" + cfg.Source + ")"
	}
	var out bytes.Buffer
	if *format == "mermaid" {
		err = mailgraph.WriteMermaid(&out, g)
	} else {
		err = mailgraph.WriteDOT(&out, g)
	}
	if err == nil && (*format == "svg" || *svgFile != "") {
		var svg []byte
		if svg, err = mailgraph.SVG(context.Background(), out.Bytes()); err == nil {
			out.Reset()
			out.Write(svg)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "mailflow graph: %v\n", err)
		return exitUsage
	}
	if *svgFile != "" {
		if err := os.WriteFile(*svgFile, out.Bytes(), 0o644); err != nil {
			fmt.Fprintf(stderr, "mailflow graph: %v\n", err)
			return exitUsage
		}
		fmt.Fprintf(stderr, "mailflow graph: wrote %s (%d nodes, %d edges)\n", *svgFile, len(g.Nodes), len(g.Edges))
		return exitOK
	}
	if _, err := stdout.Write(out.Bytes()); err != nil {
		fmt.Fprintf(stderr, "mailflow graph: %v\n", err)
		return exitUsage
	}
	return exitOK
}
