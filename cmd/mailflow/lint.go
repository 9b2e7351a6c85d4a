package main

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/mailflow-go/mailflow/attribution"
)

func runLint(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("lint", "mailflow lint [--config F] [--tenant ID] [--json]",
		`Checks the configuration for connectors that load but will misbehave:
certificates outside the accepted domains, IPs or certificates shared by
tenants, IP-only hybrid connectors (ATTR36 for NDRs), one-way hybrid,
routing that depends on the precedence order, settings Exchange Online
would not accept. Exit status 1 when a finding has severity error.`, stdout, stderr)
	cfgPath := fs.String("config", "", configHelp)
	tenantID := fs.String("tenant", "", "lint only this tenant (and what it shares with others)")
	jsonOut := fs.Bool("json", false, "print one JSON object per finding")
	rest, status, ok := fs.parse(args)
	if !ok {
		return status
	}
	if len(rest) > 0 {
		fmt.Fprintf(stderr, "mailflow lint: unexpected argument %q\n", rest[0])
		return exitUsage
	}
	cfg, ok := loadConfig(*cfgPath, stderr)
	if !ok {
		return exitUsage
	}
	dir := cfg.Directory()
	var findings []attribution.Finding
	if *tenantID != "" {
		if findings, ok = attribution.LintTenant(dir, *tenantID); !ok {
			fmt.Fprintf(stderr, "mailflow lint: no tenant %q in the configuration (tenants: %s)\n", *tenantID, listSome(dir.Tenants()))
			return exitUsage
		}
	} else {
		findings = attribution.Lint(dir)
	}

	status = exitOK
	for _, f := range findings {
		if f.Severity == attribution.SeverityError {
			status = exitLintErrors
		}
	}
	if *jsonOut {
		enc := json.NewEncoder(stdout)
		for _, f := range findings {
			if err := enc.Encode(f); err != nil {
				fmt.Fprintf(stderr, "mailflow lint: %v\n", err)
				return exitUsage
			}
		}
		return status
	}
	if len(findings) == 0 {
		fmt.Fprintf(stdout, "no findings in %d tenant(s) of %s\n", dir.Len(), cfg.Source)
		return status
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	for _, f := range findings {
		where := f.Tenant
		if f.Connector != "" {
			where += " / " + f.Connector
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", f.Severity, f.Code, where)
		fmt.Fprintf(tw, "\t\t%s\n", f.Message)
		fmt.Fprintf(tw, "\t\tsee %s\n", f.Reference)
	}
	tw.Flush()
	fmt.Fprintf(stdout, "%s in %d tenant(s) of %s\n", attribution.Summary(findings), dir.Len(), cfg.Source)
	return status
}
