package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"text/tabwriter"

	"github.com/mailflow-go/mailflow/connector"
	"github.com/mailflow-go/mailflow/internal/policyview"
)

func runRoute(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("route",
		"mailflow route [--config F] [--tenant ID] [--precedence most-specific|listed-order] [--from SENDER] [--client-ip IP] [--json] RECIPIENT...",
		`Selects the outbound connector for each recipient (an address, or a bare
domain) in the tenant's outbound connector table, and says why. The tenant's enabled
transport rules in Enforce mode are evaluated first, in priority order: a
rule with RouteMessageOutboundConnector that matches overrides the
recipient-domain choice; conditions the envelope cannot show (groups,
headers) are stated as "only if".`, stdout, stderr)
	cfgPath := fs.String("config", "", configHelp)
	tenantID := fs.String("tenant", "", "sending tenant whose outbound connectors route the mail (default: the only\ntenant, or else the tenant that accepts each recipient's domain)")
	precedence := fs.String("precedence", "most-specific", "order of the rules: most-specific (exact, longest wildcard, all accepted\ndomains, *) or listed-order (exact, all accepted domains, wildcard, *)")
	jsonOut := fs.Bool("json", false, "print one JSON object per recipient")
	from := fs.String("from", "", "MAIL FROM of the message, for the transport rules' sender conditions")
	clientIP := fs.String("client-ip", "", "address of the last hop before the service, for SenderIpRanges")
	recipients, status, ok := fs.parse(args)
	if !ok {
		return status
	}
	if len(recipients) == 0 {
		fmt.Fprintln(stderr, "mailflow route: give at least one recipient address or domain")
		fmt.Fprintln(stderr)
		fs.usage(stderr)
		return exitUsage
	}
	prec, err := connector.ParsePrecedence(*precedence)
	if err != nil {
		fmt.Fprintf(stderr, "mailflow route: --precedence: %v\n", err)
		return exitUsage
	}
	var ip netip.Addr
	if *clientIP != "" {
		if ip, err = netip.ParseAddr(*clientIP); err != nil {
			fmt.Fprintf(stderr, "mailflow route: --client-ip: %v\n", err)
			return exitUsage
		}
	}
	cfg, ok := loadConfig(*cfgPath, stderr, connector.WithPrecedence(prec))
	if !ok {
		return exitUsage
	}
	dir := cfg.Directory()
	// The sending tenant: --tenant, the only tenant, or else, for each
	// recipient, the tenant that accepts its domain.
	fixed, ok := policyview.SendingTenant(dir, *tenantID)
	if !ok {
		fmt.Fprintf(stderr, "mailflow route: no tenant %q in the configuration (tenants: %s)\n", *tenantID, listSome(dir.Tenants()))
		return exitUsage
	}

	status = exitOK
	var lines []policyview.RouteAnswer
	for _, rcpt := range recipients {
		line := policyview.AnswerRoute(dir, policyview.RouteQuery{Tenant: fixed, Recipient: rcpt, From: *from, ClientIP: ip})
		if line.Error != nil {
			status = exitUsage
		}
		lines = append(lines, line)
	}

	if *jsonOut {
		enc := json.NewEncoder(stdout)
		for _, l := range lines {
			if err := enc.Encode(l); err != nil {
				fmt.Fprintf(stderr, "mailflow route: %v\n", err)
				return exitUsage
			}
		}
		return status
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	for _, l := range lines {
		if l.Error != nil {
			fmt.Fprintf(tw, "%s\terror: %s\n", l.Recipient, *l.Error)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\n", l.Recipient, l.Reason)
	}
	tw.Flush()
	return status
}

func listSome(ids []string) string {
	if len(ids) > 10 {
		return strings.Join(ids[:10], ", ") + fmt.Sprintf(", and %d more", len(ids)-10)
	}
	return strings.Join(ids, ", ")
}
